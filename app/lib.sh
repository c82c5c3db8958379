# Shared by the launchers (sourced, not run): the repository root, and a jar rebuilt when it is missing
# or older than anything under src/ or pom.xml.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/target/sbs.jar"

ensure_jar() {
  if [ ! -f "$JAR" ] || [ -n "$(find "$ROOT/src" "$ROOT/pom.xml" -newer "$JAR" -print -quit 2>/dev/null)" ]; then
    echo "building $JAR ..." >&2
    (cd "$ROOT" && mvn -B -ntp -q -DskipTests package)
    # Maven leaves the jar untouched when only tests changed; mark it fresh so the next run does not rebuild.
    touch "$JAR"
  fi
}
