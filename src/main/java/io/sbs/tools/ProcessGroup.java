package io.sbs.tools;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Every process a drill starts, each logging to {@code logs/<name>.log} (appended, so a restarted node's
 * log continues its predecessor's), and all of them killed with their descendants when the group closes
 * or, should the drill's JVM be stopped first, from a shutdown hook: a drill must never leave a Redis or
 * a dispatcher running behind it. Faults are POSIX signals sent to one process.
 */
public final class ProcessGroup implements AutoCloseable {

    private final Path logs;
    private final List<Process> processes = new CopyOnWriteArrayList<>();
    private final Thread hook = new Thread(this::killAll, "chaos-cleanup");

    public ProcessGroup(Path logs) {
        this.logs = logs;
        try {
            Files.createDirectories(logs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + logs, e);
        }
        Runtime.getRuntime().addShutdownHook(hook);
    }

    public Path log(String name) {
        return logs.resolve(name + ".log");
    }

    /**
     * Starts {@code command} with {@code env} added to this JVM's environment, in {@code workDir}, its
     * output appended to {@link #log}.
     */
    public Process start(String name, List<String> command, Map<String, String> env, Path workDir) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log(name).toFile()));
        pb.environment().putAll(env);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    /** {@code SIGKILL} to the process and its descendants; returns once it is gone. */
    public void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.onExit().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("process " + p.pid() + " survived SIGKILL for 10 s", e);
        }
        processes.remove(p);
    }

    /** Sends {@code signal} ({@code STOP}, {@code CONT}, ...) to the process alone. */
    public static void signal(Process p, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid()))
                    .redirectErrorStream(true).redirectOutput(new File("/dev/null")).start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + p.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill -" + signal, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling " + p.pid(), e);
        }
    }

    private void killAll() {
        // newest first, each gone before the next: dispatchers before the engines and Redis they use, so
        // their logs end without a burst of errors about processes the drill itself removed
        List<Process> all = new ArrayList<>(processes);
        Collections.reverse(all);
        for (Process p : all) {
            // a stopped process still dies of SIGKILL, so a drill interrupted mid-SIGSTOP leaves nothing behind
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                all.forEach(Process::destroyForcibly);
                return;
            }
        }
        processes.clear();
    }

    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or about to: it does the same work
        }
    }
}
