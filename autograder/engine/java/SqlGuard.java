package sparkgrade;

import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import scala.Function1;
import scala.runtime.BoxedUnit;

/** spark.sql.extensions of the shared server: a check rule that refuses, at analysis and so before a
 *  command runs, SQL that makes the server load classes a client chose: ADD JAR / ARCHIVE / FILE (added to
 *  the session's class loader) and CREATE FUNCTION ... AS 'class' (loaded, static initialiser and all, when
 *  the function is first used). Restricted mode covers reflect and TRANSFORM, not these. */
public final class SqlGuard implements Function1<SparkSessionExtensions, BoxedUnit> {
    static final Set<String> REFUSED = Set.of("AddJarsCommand", "AddArchivesCommand", "AddFilesCommand",
                                              "CreateFunctionCommand", "CreateFunction");

    @Override
    public BoxedUnit apply(SparkSessionExtensions extensions) {
        Function1<SparkSession, Function1<LogicalPlan, BoxedUnit>> rule = session -> plan -> {
            check(plan);
            return BoxedUnit.UNIT;
        };
        extensions.injectCheckRule(rule);
        return BoxedUnit.UNIT;
    }

    static void check(LogicalPlan plan) {
        String name = plan.getClass().getSimpleName();
        if (REFUSED.contains(name)) {
            throw new SecurityException(Refusals.refuse(name));
        }
        scala.collection.Iterator<LogicalPlan> children = plan.children().iterator();
        while (children.hasNext()) {
            check(children.next());
        }
    }
}
