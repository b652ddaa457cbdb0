using Mono.Unix.Native;

namespace PaymentLinks.Tracking.Samples;

/// <summary>Tells whether two paths name one file: the same full path, or the same file through a symbolic or hard link.</summary>
internal static class FileIdentity
{
    public static bool AreSameFile(string first, string second)
    {
        if (string.Equals(Path.GetFullPath(first), Path.GetFullPath(second), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
        {
            return true;
        }

        if (OperatingSystem.IsWindows())
        {
            return string.Equals(FinalTarget(first), FinalTarget(second), StringComparison.OrdinalIgnoreCase);
        }

        // stat follows symbolic links; one device and inode is one file, whatever its names.
        return Syscall.stat(first, out var a) == 0 && Syscall.stat(second, out var b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
    }

    private static string FinalTarget(string path)
    {
        var full = Path.GetFullPath(path);
        return File.Exists(full) && File.ResolveLinkTarget(full, returnFinalTarget: true) is { } target ? target.FullName : full;
    }
}
