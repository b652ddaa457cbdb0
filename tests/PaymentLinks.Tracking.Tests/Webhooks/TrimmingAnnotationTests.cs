using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Webhooks;

public class TrimmingAnnotationTests
{
    private static readonly Type[] WebhookTypes =
    [
        typeof(PaymentLinkWebhookOptions),
        typeof(PaymentLinkWebhookParser),
        typeof(PaymentLinkWebhookResult),
        typeof(PaymentLinkWebhookRejection),
        typeof(PaymentLinkWebhookException),
        typeof(PaymentLinkEvent),
        typeof(PaymentLinkEventKind),
        typeof(PaymentLinkCheckout),
    ];

    [Test]
    public void Marks_only_ToStripeEvent_of_the_webhook_layer_as_unsafe_for_trimming_and_native_AOT()
    {
        var marked = WebhookTypes
            .SelectMany(type => type.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Append(type))
            .Where(member => member.IsDefined(typeof(RequiresUnreferencedCodeAttribute)) || member.IsDefined(typeof(RequiresDynamicCodeAttribute)))
            .Select(member => $"{member.DeclaringType?.Name}.{member.Name}")
            .ToList();

        marked.ShouldBe(["PaymentLinkEvent.ToStripeEvent"]);
        var toStripeEvent = typeof(PaymentLinkEvent).GetMethod(nameof(PaymentLinkEvent.ToStripeEvent))!;
        toStripeEvent.GetCustomAttribute<RequiresUnreferencedCodeAttribute>().ShouldNotBeNull().Message.ShouldContain("Stripe.net");
        toStripeEvent.GetCustomAttribute<RequiresDynamicCodeAttribute>().ShouldNotBeNull().Message.ShouldContain("Stripe.net");
    }

    [Test]
    public void Exposes_Stripe_net_types_from_the_webhook_layer_only_through_ToStripeEvent()
    {
        var stripeAssembly = typeof(Stripe.Event).Assembly;
        var exposing = WebhookTypes
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(method => method.ReturnType.Assembly == stripeAssembly
                || method.GetParameters().Any(parameter => parameter.ParameterType.Assembly == stripeAssembly))
            .Select(method => $"{method.DeclaringType!.Name}.{method.Name}");

        exposing.ShouldBe(["PaymentLinkEvent.ToStripeEvent"]);
    }
}
