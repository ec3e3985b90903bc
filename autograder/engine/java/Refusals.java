package sparkgrade;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Counts what the shared server refused: one line per refusal in the file named by SPARKGRADE_REFUSALS,
 *  which the grader reads (a grading that saw the count rise is graded again with local Spark). */
final class Refusals {
    static final String SIGN = "SPARKGRADE_REFUSED";

    private Refusals() {}

    /** Record one refusal of {@code what} and return the message the client is given. */
    static synchronized String refuse(String what) {
        String file = System.getenv("SPARKGRADE_REFUSALS");
        if (file != null && !file.isEmpty()) {
            try {
                Files.write(Path.of(file), "refused\n".getBytes(StandardCharsets.US_ASCII),
                            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (java.io.IOException e) {
                System.err.println(SIGN + ": could not count a refusal: " + e);
            }
        }
        return SIGN + ": the shared Spark Connect engine loads no code a client sends (" + what
               + "); this submission is graded with local Spark";
    }
}
