"""The warm engine for batch grading and what makes Spark start and run faster. Imports nothing itself:
the children import :mod:`~autograder.engine.shared_files` and :mod:`~autograder.engine.driver_archive`
(through :mod:`autograder.spark`) without the grader's side.

Grader side:
    server          ConnectServer: a sandboxed Spark Connect server on 127.0.0.1 for a class
    python_workers  the script the server starts Python workers with: it refuses, and counts the refusals
    guard           the server's guard (java/SqlGuard.java, ConnectGuard.java): no JVM code a client sends
    sessions        release_sessions: stop what a child left running on the server
    prefork         ForkServer, fork_server: children forked from a pre-imported interpreter
    cds             the server JVM's class-data-sharing archive (and the key every archive is named by)
Processes of their own:
    forkserver      ``python -P -m autograder.engine.forkserver``: the fork server
    supervise       ``python -m autograder.engine.supervise``: a command killed with its parent
Both sides:
    javac           the JDK's javac; sparkgrade's Java sources compiled once into cached jars
    localfs         Hadoop's local file system without a forked chmod (java/NioLocalFileSystem.java)
    driver_archive  local drivers' class-data archive, recorded by ``sparkgrade prepare``
    shared_files    client-side shortcuts for model metadata on a server that shares the files
"""
