package sparkgrade;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;

/** Counts what the shared server refused: one line per refusal in the file named by SPARKGRADE_REFUSALS,
 *  "refused SESSION WHAT" (the Spark Connect session the refused request came from, "-" where that is
 *  not known, and what was refused). The grader reads it: a grading whose own sessions were refused (or that saw an unattributed
 *  refusal) is graded again with local Spark; a refusal of a classmate's session does not touch it. */
final class Refusals {
    static final String SIGN = "SPARKGRADE_REFUSED";
    static final String TAGS = "spark.job.tags";
    // Spark Connect tags each operation's jobs "SparkConnect_OperationTag_User_<user>_Session_<uuid>_Operation_<uuid>";
    // read from the end, since the user id is the client's to choose.
    static final Pattern OPERATION = Pattern.compile(
        "_Session_([0-9a-fA-F-]{36})_Operation_[0-9a-fA-F-]{36}$");

    // the session of the gRPC call this thread is handling (set by ConnectGuard around a call's handler)
    static final ThreadLocal<String> CALLER = new ThreadLocal<>();

    private Refusals() {}

    /** Record one refusal of {@code what}, of the session running on this thread, and return the message. */
    static String refuse(String what) {
        return refuse(what, currentSession());
    }

    /** Record one refusal of {@code what} by {@code session} (null: unknown) and return the client's message. */
    static synchronized String refuse(String what, String session) {
        String file = System.getenv("SPARKGRADE_REFUSALS");
        if (file != null && !file.isEmpty()) {
            String who = session == null || session.isEmpty() ? "-" : session;
            String line = "refused " + who + " " + printable(what) + "\n";
            try {
                Files.write(Path.of(file), line.getBytes(StandardCharsets.US_ASCII),
                            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (java.io.IOException e) {
                System.err.println(SIGN + ": could not count a refusal: " + e);
            }
        }
        return SIGN + ": the shared Spark Connect engine refuses this (" + what
               + "); this submission is graded with local Spark";
    }

    /** {@code text} on one line of printable ASCII, at most 300 characters (it names a client's path). */
    static String printable(String text) {
        String kept = text.replaceAll("[^\\x20-\\x7e]", "?");
        return kept.length() > 300 ? kept.substring(0, 300) + "..." : kept;
    }

    /** The Spark Connect session whose operation runs on this thread (a task's, or the driver's), or null. */
    static String currentSession() {
        String tags = null;
        TaskContext task = TaskContext.get();
        if (task != null) {
            tags = task.getLocalProperty(TAGS);
        } else {
            scala.Option<SparkContext> active = org.apache.spark.SparkContext$.MODULE$.getActive();
            if (active.isDefined()) {
                tags = active.get().getLocalProperty(TAGS);
            }
        }
        for (String tag : tags == null ? new String[0] : tags.split(",")) {
            Matcher m = OPERATION.matcher(tag.trim());
            if (m.find()) {
                return m.group(1).toLowerCase(java.util.Locale.ROOT);
            }
        }
        String caller = CALLER.get();
        return caller == null || caller.isEmpty() ? null : caller;
    }
}
