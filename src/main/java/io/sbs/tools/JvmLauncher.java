package io.sbs.tools;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How a drill starts the dispatcher and engine-simulator JVMs from the code it runs itself: {@code java
 * -jar sbs.jar ...} when it was started from the jar ({@code app/chaos}), {@code java -cp <classpath>
 * io.sbs.SbsApplication ...} when it runs from a class path (the integration test, an IDE). Either way the
 * children run the same build as the drill.
 *
 * @param entry the arguments after the JVM options: {@code -jar JAR} or {@code -cp CP MAIN}
 */
public record JvmLauncher(String java, List<String> entry) {

    /**
     * Small heaps, one GC thread and C1 only: six JVMs share the machine with the load, and start time and
     * steady CPU matter more here than peak throughput.
     */
    public static final List<String> JVM_OPTIONS = List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    public JvmLauncher {
        entry = List.copyOf(entry);
    }

    /** The launcher for the code this JVM runs. */
    public static JvmLauncher ofThisJvm() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // Surefire and Failsafe may hide the real class path behind a manifest-only jar; they keep it here.
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return of(java, classPath);
    }

    public static JvmLauncher of(String java, String classPath) {
        List<String> entries = Arrays.stream(classPath.split(File.pathSeparator)).filter(e -> !e.isBlank()).toList();
        if (entries.size() == 1 && entries.get(0).endsWith(".jar")) {
            return new JvmLauncher(java, List.of("-jar", Path.of(entries.get(0)).toAbsolutePath().toString()));
        }
        // the test tree holds Spring components of its own (fixtures, fakes) that io.sbs's component scan
        // would pick up in the children
        String children = String.join(File.pathSeparator, entries.stream()
                .filter(e -> !Path.of(e).endsWith("test-classes"))
                .map(e -> Path.of(e).toAbsolutePath().toString()).toList());
        return new JvmLauncher(java, List.of("-cp", children, "io.sbs.SbsApplication"));
    }

    /** The command line running {@code sbs.jar args...} with the drill's {@link #JVM_OPTIONS}. */
    public List<String> command(List<String> args) {
        return command(JVM_OPTIONS, args);
    }

    /**
     * The command line running {@code mainClass} of this build with {@code jvmOptions}: from the jar through
     * Spring Boot's {@code PropertiesLauncher} (which puts the jar's libraries on the class path and calls
     * {@code loader.main}), from a class path directly.
     */
    public List<String> command(List<String> jvmOptions, String mainClass, List<String> args) {
        List<String> out = new ArrayList<>();
        out.add(java);
        out.addAll(jvmOptions);
        if (entry.get(0).equals("-jar")) {
            out.addAll(List.of("-cp", entry.get(1), "-Dloader.main=" + mainClass,
                    "org.springframework.boot.loader.launch.PropertiesLauncher"));
        } else {
            out.addAll(List.of(entry.get(0), entry.get(1), mainClass));
        }
        out.addAll(args);
        return out;
    }

    /** The command line running {@code sbs.jar args...} with {@code jvmOptions}. */
    public List<String> command(List<String> jvmOptions, List<String> args) {
        List<String> out = new ArrayList<>();
        out.add(java);
        out.addAll(jvmOptions);
        out.addAll(entry);
        out.addAll(args);
        return out;
    }
}
