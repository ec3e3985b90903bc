package sparkgrade;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.sparkproject.connect.grpc.ForwardingServerCallListener;
import org.sparkproject.connect.grpc.Metadata;
import org.sparkproject.connect.grpc.ServerCall;
import org.sparkproject.connect.grpc.ServerCallHandler;
import org.sparkproject.connect.grpc.ServerInterceptor;
import org.sparkproject.connect.grpc.Status;
import org.sparkproject.connect.protobuf.Descriptors;
import org.sparkproject.connect.protobuf.Descriptors.FieldDescriptor;
import org.sparkproject.connect.protobuf.Message;

/** spark.connect.grpc.interceptor.classes of the shared server: it refuses what would put a client's JVM
 *  code into the server (the AddArtifacts call: jars, classes, files copied to the server's file system)
 *  and any plan that carries a Scala or Java UDF (a Java-serialized payload, or a class loaded by name),
 *  and any request of a session the grader did not open (a child's extra session would outlive it). */
public final class ConnectGuard implements ServerInterceptor {
    // Python UDFs, UDTFs and data sources would only reach the refusing worker script when they run; refused
    // here they are refused at once and counted with the session they came from.
    static final Map<String, String> REFUSED_MESSAGES = Map.of(
        "ScalarScalaUDF", "a Scala UDF", "JavaUDF", "a Java UDF (registerJavaFunction)", "PythonUDF", "a Python UDF",
        "PythonUDTF", "a Python UDTF", "PythonDataSource", "a Python data source");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        boolean artifacts = "AddArtifacts".equals(call.getMethodDescriptor().getBareMethodName());
        ServerCall.Listener<Q> listener = next.startCall(call, headers);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<Q>(listener) {
            private boolean refused;
            private String session;

            @Override
            public void onMessage(Q message) {
                if (refused) {
                    return;
                }
                Message request = message instanceof Message ? (Message) message : null;
                if (request != null) {
                    session = sessionOf(request);
                }
                String found = artifacts ? "addArtifacts (files or jars sent to the server)" : request != null ? refused(request) : null;
                if (found != null) {
                    refused = true;
                    // a session the grader did not open is nobody's: every grading in flight is graded again
                    String owner = request != null && SESSIONS.allows(session) ? session : null;
                    call.close(Status.PERMISSION_DENIED.withDescription(Refusals.refuse(found, owner)), new Metadata());
                    return;
                }
                super.onMessage(message);
            }

            @Override
            public void onHalfClose() {
                if (!refused) {
                    // a unary call (AnalyzePlan, Config) runs here, on this thread: what it refuses is its session's
                    Refusals.CALLER.set(session);
                    try {
                        super.onHalfClose();
                    } finally {
                        Refusals.CALLER.remove();
                    }
                }
            }
        };
    }

    /** The session id a request names ("" where it names none). */
    static String sessionOf(Message message) {
        FieldDescriptor field = message.getDescriptorForType().findFieldByName("session_id");
        if (field != null && field.getJavaType() == FieldDescriptor.JavaType.STRING) {
            return (String) message.getField(field);
        }
        return "";
    }

    /** Why {@code message} is refused (a session the grader did not open, a refused message type), or null. */
    static String refused(Message message) {
        String session = sessionOf(message);
        if (!session.isEmpty() && !SESSIONS.allows(session)) {
            return "a session the grader did not open";
        }
        return refusedIn(message);
    }

    /** The sessions the grader opened, one id per line in the file named by SPARKGRADE_SESSIONS (the grader
     *  appends an id before a child may use it); no such file named: every session is allowed. */
    static final class Sessions {
        private final Path file;
        private long seen = -1;
        private Set<String> ids = Set.of();

        Sessions(String file) {
            this.file = file == null || file.isEmpty() ? null : Path.of(file);
        }

        synchronized boolean allows(String session) {
            if (file == null) {
                return true;
            }
            try {
                long size = Files.size(file);
                if (size != seen) {          // the grader only appends: a new size is a new list
                    ids = new HashSet<>(Files.readAllLines(file));
                    seen = size;
                }
            } catch (IOException e) {
                return false;
            }
            return ids.contains(session);
        }
    }

    /** The key of a conf pair (KeyValue of a ConfigRequest) or of an options map entry, where a session may
     *  not set it ({@link Confinement#forbiddenKey}); else null. */
    static String forbiddenKey(Message message) {
        Descriptors.Descriptor type = message.getDescriptorForType();
        if (!type.getOptions().getMapEntry() && !"KeyValue".equals(type.getName())) {
            return null;
        }
        FieldDescriptor field = type.findFieldByName("key");
        if (field == null || field.getJavaType() != FieldDescriptor.JavaType.STRING) {
            return null;
        }
        String key = (String) message.getField(field);
        return Confinement.forbiddenKey(key) ? key : null;
    }

    static final Sessions SESSIONS = new Sessions(System.getenv("SPARKGRADE_SESSIONS"));

    /** The name of the first refused message type in {@code message}'s tree (or the Hadoop file-system key
     *  it sets: a conf pair or an option), or null. */
    static String refusedIn(Message message) {
        String name = message.getDescriptorForType().getName();
        if (REFUSED_MESSAGES.containsKey(name)) {
            return REFUSED_MESSAGES.get(name);
        }
        String key = forbiddenKey(message);
        if (key != null) {
            return "the Hadoop file-system key " + key;
        }
        for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
            if (field.getKey().getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                continue;
            }
            Object value = field.getValue();
            Iterable<?> values = field.getKey().isRepeated() ? (Iterable<?>) value : java.util.List.of(value);
            for (Object item : values) {
                String found = refusedIn((Message) item);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }
}
