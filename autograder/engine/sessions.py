"""The sessions of a child on the warm Spark Connect server (:mod:`autograder.engine.server`), from the
grader's side: what a child leaves running there is stopped when the grader is done with the child."""

from __future__ import annotations


def release_sessions(url: str, session_ids: list[str], timeout_s: float = 10) -> None:
    """Close the sessions a child had on the Spark Connect server at ``url``: the server interrupts whatever
    they still run (a killed child's query would otherwise go on for minutes) and frees what they hold.
    Ids the server never saw are ignored by it. Best effort: an unreachable server has nothing to free."""
    from pyspark.sql.connect.client.core import DefaultChannelBuilder
    from pyspark.sql.connect.proto import base_pb2, base_pb2_grpc

    builder = DefaultChannelBuilder(url)
    channel = builder.toChannel()
    try:
        stub = base_pb2_grpc.SparkConnectServiceStub(channel)
        user = base_pb2.UserContext(user_id=builder.userId or "")
        for session_id in session_ids:
            try:
                stub.ReleaseSession(base_pb2.ReleaseSessionRequest(session_id=session_id, user_context=user),
                                    metadata=builder.metadata(), timeout=timeout_s)
            except Exception:  # noqa: BLE001 - grpc.RpcError and friends: nothing more to do
                pass
    finally:
        channel.close()


def answers_query(url: str, session_id: str, timeout_s: float = 60) -> bool:
    """Whether the Spark Connect server at ``url`` runs a real query (a one-row range, executed) in the fresh
    session ``session_id`` of the grader's own, released afterwards. A server whose SparkContext a client stopped still
    has its process and its port, but answers no query: only this tells it from a working one."""
    from pyspark.sql.connect.client.core import DefaultChannelBuilder
    from pyspark.sql.connect.proto import base_pb2, base_pb2_grpc, relations_pb2

    builder = DefaultChannelBuilder(url)
    channel = builder.toChannel()
    try:
        stub = base_pb2_grpc.SparkConnectServiceStub(channel)
        user = base_pb2.UserContext(user_id=builder.userId or "")
        plan = base_pb2.Plan(root=relations_pb2.Relation(range=relations_pb2.Range(start=0, end=1, step=1)))
        request = base_pb2.ExecutePlanRequest(session_id=session_id, user_context=user, plan=plan)
        for _ in stub.ExecutePlan(request, metadata=builder.metadata(), timeout=timeout_s):
            pass
        return True
    except Exception:  # noqa: BLE001 - any failure to answer is the answer
        return False
    finally:
        channel.close()
        release_sessions(url, [session_id])
