# Sourced by bin/flowline-* and .ci/run: exports JAVA_HOME for a JDK >= 21.
# Keeps JAVA_HOME or the java on PATH when it is new enough; otherwise looks in the usual JDK folders.
_flowline_java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -1 | cut -d. -f1
}
_flowline_pick_jdk() {
  local cand major
  for cand in "${JAVA_HOME:-}/bin/java" "$(command -v java 2>/dev/null)" \
              /usr/lib/jvm/*/bin/java /opt/java/*/bin/java /opt/*jdk*/bin/java /Library/Java/JavaVirtualMachines/*/Contents/Home/bin/java; do
    [ -x "$cand" ] || continue
    [ -x "$(dirname "$cand")/javac" ] || continue
    major=$(_flowline_java_major "$cand")
    if [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null; then
      JAVA_HOME=$(cd "$(dirname "$cand")/.." && pwd -P)
      export JAVA_HOME
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  echo "Flowline needs a JDK 21 or newer; none found (looked at JAVA_HOME, PATH and /usr/lib/jvm). Install one and set JAVA_HOME." >&2
  return 1
}
_flowline_pick_jdk
