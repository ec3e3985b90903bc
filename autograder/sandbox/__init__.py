"""Run one child process under limits, as isolated from the grader as the platform allows.

Always enforced, for every child:

* a wall-clock limit and a memory limit on the RSS of the child's whole process tree (polled);
* a limit on what the child's area holds on disk (polled: blocks really allocated, and a cap on entries);
* output kept to its first and last ``OUTPUT_KEEP`` bytes (the rest is counted and discarded);
* at the end (normal exit, timeout, memory) every process of the tree is frozen (SIGSTOP) and killed
  (SIGKILL), JVMs and Python workers included. The tree is: the descendants of the launcher, which is the
  reaper of everything the child starts (PR_SET_CHILD_SUBREAPER, or pid 1 of a private pid namespace), so
  processes that setsid, double-fork and scrub their environment are still found; plus the child's
  process group; plus every process whose environment carries the run's ``MARKER``.

Enforced where the platform allows it (namespaces, an unprivileged user, no_new_privs: see
:mod:`autograder.sandbox.launcher`). Not enforced: CPU share, and without namespaces, network access and
reading world-readable files.

One module per job::

    childrun.py   ChildRun (how a child ended) and the capture of its output
    diskuse.py    what a child's folders hold on disk (standard library only)
    proctree.py   a child's process tree: find it, measure its memory, kill it (standard library only)
    probing.py    Isolation: what this platform allows, probed once per grader process
    area.py       ChildArea (the one folder the children see) and sanitize (cleaning what they wrote)
    jail.py       Jail: one child's view of the filesystem, network and user
    run.py        run_child: one child under limits; its environment and launcher command
    filesystem.py the child's allow-listed new root, read-only remounts and /proc (standard library only)
    reads.py      ReadWatch: whether anything opened a file the grader watches (Linux inotify)
    launcher.py   the launcher, a standalone script (standard library only): namespaces, the
                  filesystem, dropped privileges; used by the fork server too
"""

from autograder.sandbox.area import MAX_OUTPUT_ENTRIES, MAX_OUTPUT_FILE, MAX_OUTPUT_TOTAL, ChildArea, sanitize
from autograder.sandbox.childrun import OUTPUT_KEEP, ChildRun
from autograder.sandbox.jail import SCRATCH, Jail, needs_network, network_notes, runtime_paths
from autograder.sandbox.launcher import START_FAILED, die_with_parent, launch
from autograder.sandbox.isolation import UNPRIVILEGED_USER, Isolation
from autograder.sandbox.probing import ISOLATION_ENV, isolation, nobody, probe_isolation
from autograder.sandbox.proctree import (MARKER, kill_tree, marked_pids, tree_pids, tree_private_mb,
                                         tree_rss_mb)
from autograder.sandbox.run import child_env, launcher_argv, run_child

__all__ = [
    "ISOLATION_ENV", "MARKER", "MAX_OUTPUT_ENTRIES", "MAX_OUTPUT_FILE", "MAX_OUTPUT_TOTAL", "OUTPUT_KEEP",
    "SCRATCH", "START_FAILED", "UNPRIVILEGED_USER",
    "ChildArea", "ChildRun", "Isolation", "Jail",
    "child_env", "die_with_parent", "isolation", "kill_tree", "launch", "launcher_argv", "marked_pids",
    "needs_network", "network_notes", "nobody", "probe_isolation", "run_child", "runtime_paths", "sanitize",
    "tree_pids", "tree_private_mb", "tree_rss_mb",
]
