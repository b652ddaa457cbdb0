namespace PaymentLinks.Tracking;

/// <summary>A line item of a payment link: a Stripe price and how many of it the customer buys.</summary>
/// <param name="PriceId">The id of a Stripe price, e.g. <c>price_1Pgc6xB7WZ01zgkW1ZbYz3Jc</c>.</param>
/// <param name="Quantity">How many units the link sells; at least 1.</param>
public sealed record PaymentLinkLineItem(string PriceId, long Quantity = 1);
