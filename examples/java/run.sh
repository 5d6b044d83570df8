#!/usr/bin/env bash
# Builds libcustinsight, compiles the Java example against JNA and runs it.
#   examples/java/run.sh [PROFILE.json] ["complaint text"]
# Needs a JDK (11+) and JNA: on Debian, `apt-get install -y libjna-java`
# (or set JNA_JAR to a jna.jar).
set -euo pipefail
cd "$(dirname "$0")/../.."
JNA_JAR=${JNA_JAR:-/usr/share/java/jna.jar}
if [[ ! -f $JNA_JAR ]]; then
    echo "JNA not found at $JNA_JAR: apt-get install -y libjna-java, or set JNA_JAR" >&2
    exit 1
fi
[[ -f target/c/lib/libcustinsight.so ]] || make c-lib
mkdir -p target/c/java
javac -cp "$JNA_JAR" -d target/c/java examples/java/RingTime.java
exec java -cp "$JNA_JAR:target/c/java" -Djna.library.path=target/c/lib RingTime \
    "${1:-examples/c/profile.json}" "${2:-宽带又断网了，三天都上不了网，再不修好我就打12300投诉}"
