package sparkgrade;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Where the shared server's file systems may go: only below the folders named (File.pathSeparator
 *  between them) by the system property sparkgrade.fs.roots, the class's work folders and the warehouse.
 *  A path is judged by where it really leads (the links of its existing part resolved), so a link a
 *  child made in its own folder leads nowhere else. Also says which Hadoop keys a session may not set:
 *  the file-system keys that would swap this confinement for another file system. */
final class Confinement {
    static final String ROOTS_PROPERTY = "sparkgrade.fs.roots";
    static final List<Path> ROOTS = roots(System.getProperty(ROOTS_PROPERTY, ""));

    private Confinement() {}

    static List<Path> roots(String spec) {
        List<Path> roots = new ArrayList<>();
        for (String part : spec.split(File.pathSeparator)) {
            if (!part.isEmpty()) {
                roots.add(real(Path.of(part).toAbsolutePath().normalize()));
            }
        }
        return List.copyOf(roots);
    }

    /** Refuse (and count) {@code file} unless it leads below a root; no roots named: anything goes. */
    static void check(File file) {
        if (ROOTS.isEmpty()) {
            return;
        }
        Path real = real(file.toPath().toAbsolutePath().normalize());
        for (Path root : ROOTS) {
            if (real.startsWith(root)) {
                return;
            }
        }
        throw new SecurityException(Refusals.refuse("a path outside this grading's folders: " + file));
    }

    /** {@code path} with the links of its longest existing part resolved (the rest appended as it is). */
    static Path real(Path path) {
        Path rest = null;
        for (Path probe = path; probe != null; probe = probe.getParent()) {
            try {
                Path resolved = probe.toRealPath();
                return rest == null ? resolved : resolved.resolve(rest).normalize();
            } catch (IOException e) {
                Path name = probe.getFileName();
                if (name == null) {
                    break;
                }
                rest = rest == null ? name : name.resolve(rest);
            }
        }
        return path;
    }

    /** Whether a session may not set {@code key}: a Hadoop file-system key (fs.*, also as spark.hadoop.fs.*),
     *  which could name another class for file: paths or turn the file-system cache off. */
    static boolean forbiddenKey(String key) {
        String k = key.trim().toLowerCase(Locale.ROOT);
        if (k.startsWith("spark.hadoop.")) {
            k = k.substring("spark.hadoop.".length());
        }
        return k.startsWith("fs.");
    }
}
