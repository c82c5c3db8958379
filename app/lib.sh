# Shared by the launchers: the repository root, and a jar that is rebuilt when the sources changed.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/target/sbs.jar"

ensure_jar() {
  if [ ! -f "$JAR" ] || [ -n "$(find "$ROOT/src/main" "$ROOT/pom.xml" -newer "$JAR" -print -quit 2>/dev/null)" ]; then
    echo "building $JAR ..." >&2
    (cd "$ROOT" && mvn -B -ntp -q -DskipTests package)
  fi
}
