#!/usr/bin/env bash
# Set up sparkgrade on a fresh machine: Java 17+ (installed with apt-get where missing) and a virtual
# environment in .venv with the project and its test dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

java_major() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1; }
if ! command -v java >/dev/null 2>&1 || [ "$(java_major)" -lt 17 ]; then
  echo "setup: Java 17+ not found; installing openjdk-17-jdk-headless" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openjdk-17-jdk-headless >/dev/null
fi
echo "setup: $(java -version 2>&1 | head -n1)"

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c "import sys; sys.exit(sys.version_info < (3, 11))" 2>/dev/null; then
  echo "setup: $("$PYTHON" --version 2>&1) is too old: sparkgrade needs Python 3.11+ (pyspark 4.3 does);" \
       "install python3.11 (apt-get install python3.11 python3.11-venv) and run PYTHON=python3.11 $0" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -m pip install -q -e ".[dev,deploy]" 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import pyspark, autograder; print('setup: pyspark', pyspark.__version__, '- sparkgrade ready')"
# The grading JVMs' class-data archive (about 1 minute, once per installation of Java and Spark): each
# grading JVM then starts in about half the time. Grading works without it.
.venv/bin/sparkgrade prepare || echo "setup: continuing without the class-data archive" >&2
