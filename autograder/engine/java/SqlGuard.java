package sparkgrade;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import scala.Function1;
import scala.Option;
import scala.Product;
import scala.Tuple2;
import scala.runtime.BoxedUnit;

/** spark.sql.extensions of the shared server: a check rule that refuses, at analysis and so before a
 *  command runs, SQL that makes the server load classes a client chose: ADD JAR / ARCHIVE / FILE (added to
 *  the session's class loader) and CREATE FUNCTION ... AS 'class' (loaded, static initialiser and all, when
 *  the function is first used). Restricted mode covers reflect and TRANSFORM, not these. It also refuses
 *  a Hadoop file-system key ({@link Confinement#forbiddenKey}) set in the session's conf (SET, the client's
 *  spark.conf.set) or in a plan's options (OPTIONS of SQL, a reader's or writer's option): either would put
 *  another file system in place of the confined one. */
public final class SqlGuard implements Function1<SparkSessionExtensions, BoxedUnit> {
    static final java.util.Map<String, String> REFUSED = java.util.Map.of(
        "AddJarsCommand", "ADD JAR", "AddArchivesCommand", "ADD ARCHIVE", "AddFilesCommand", "ADD FILE",
        "CreateFunctionCommand", "CREATE FUNCTION ... AS 'class'", "CreateFunction", "CREATE FUNCTION ... AS 'class'");
    // What every session of the server would share (its catalog): persistent tables, databases and views,
    // and global temporary views. A student's table would meet a classmate's of the same name.
    static final java.util.Set<String> SHARED = java.util.Set.of(
        "CreateTable", "CreateTableAsSelect", "ReplaceTable", "ReplaceTableAsSelect", "CreateDataSourceTableCommand",
        "CreateDataSourceTableAsSelectCommand", "CreateTableCommand", "CreateTableLikeCommand", "CreateNamespace",
        "CreateDatabaseCommand", "CreateView", "AlterViewAs", "AlterViewAsCommand");
    static final int OPTION_DEPTH = 4;       // a plan's field -> CatalogTable -> CatalogStorageFormat -> properties

    @Override
    public BoxedUnit apply(SparkSessionExtensions extensions) {
        Function1<SparkSession, Function1<LogicalPlan, BoxedUnit>> rule = session -> plan -> {
            checkConf(session);
            check(plan);
            return BoxedUnit.UNIT;
        };
        extensions.injectCheckRule(rule);
        return BoxedUnit.UNIT;
    }

    static void check(LogicalPlan plan) {
        String name = plan.getClass().getSimpleName();
        if (REFUSED.containsKey(name)) {
            throw new SecurityException(Refusals.refuse(REFUSED.get(name)));
        }
        if (SHARED.contains(name) || sharedView(plan, name)) {
            throw new SecurityException(Refusals.refuse("a table, database or view every session would see ("
                                                        + name + "); use a temporary view"));
        }
        if ("SetCommand".equals(name)) {
            checkSet(plan.productElement(0));
        }
        scala.collection.Iterator<Object> fields = plan.productIterator();
        while (fields.hasNext()) {
            checkOptions(fields.next(), 0);
        }
        scala.collection.Iterator<LogicalPlan> children = plan.children().iterator();
        while (children.hasNext()) {
            check(children.next());
        }
    }

    /** A temporary view every session sees: CREATE GLOBAL TEMPORARY VIEW (createGlobalTempView), a view
     *  that is not a session's temporary one, a global CREATE TEMPORARY VIEW ... USING. */
    static boolean sharedView(LogicalPlan plan, String name) {
        try {
            if ("CreateViewCommand".equals(name)) {
                return !"LocalTempView".equals(String.valueOf(plan.getClass().getMethod("viewType").invoke(plan)));
            }
            if ("CreateTempViewUsing".equals(name)) {
                return Boolean.TRUE.equals(plan.getClass().getMethod("global").invoke(plan));
            }
        } catch (ReflectiveOperationException e) {
            return true;
        }
        return false;
    }

    /** SET key=value: the key (SetCommand's Option[(String, Option[String])]). */
    static void checkSet(Object kv) {
        if (kv instanceof Option && ((Option<?>) kv).isDefined() && ((Option<?>) kv).get() instanceof Tuple2) {
            Object key = ((Tuple2<?, ?>) ((Option<?>) kv).get())._1();
            if (key instanceof String && Confinement.forbiddenKey((String) key)) {
                throw new SecurityException(Refusals.refuse("SET " + key));
            }
        }
    }

    /** The option maps in a plan's field (directly, or inside a relation, table or storage description). */
    static void checkOptions(Object value, int depth) {
        if (value == null || depth > OPTION_DEPTH || value instanceof LogicalPlan || value instanceof Expression) {
            return;
        }
        if (value instanceof scala.collection.Map) {
            scala.collection.Iterator<?> keys = ((scala.collection.Map<?, ?>) value).keysIterator();
            while (keys.hasNext()) {
                checkKey(keys.next());
            }
        } else if (value instanceof java.util.Map) {
            for (Object key : ((java.util.Map<?, ?>) value).keySet()) {
                checkKey(key);
            }
        } else if (value instanceof Product) {
            scala.collection.Iterator<Object> fields = ((Product) value).productIterator();
            while (fields.hasNext()) {
                checkOptions(fields.next(), depth + 1);
            }
        }
    }

    static void checkKey(Object key) {
        if (key instanceof String && Confinement.forbiddenKey((String) key)) {
            throw new SecurityException(Refusals.refuse("the option " + key));
        }
    }

    /** A conf that makes the server instantiate a class a session names: a catalog plug-in
     *  (spark.sql.catalog.*), a committer, a checkpoint file manager, any *.class / *.classes / *.impl. */
    static boolean namesAClass(String key) {
        String k = key.trim().toLowerCase(java.util.Locale.ROOT);
        return k.startsWith("spark.sql.catalog.") || k.endsWith("class") || k.endsWith("classes") || k.endsWith(".impl");
    }

    /** A file-system key the session set to something other than the server's own value. */
    static void checkConf(SparkSession session) {
        SparkConf base = session.sparkContext().conf();
        scala.collection.Iterator<Tuple2<String, String>> all = session.conf().getAll().iterator();
        while (all.hasNext()) {
            Tuple2<String, String> kv = all.next();
            if ((Confinement.forbiddenKey(kv._1()) || namesAClass(kv._1())) && !kv._2().equals(base.get(kv._1(), null))) {
                throw new SecurityException(Refusals.refuse("the session conf " + kv._1()));
            }
        }
    }
}
