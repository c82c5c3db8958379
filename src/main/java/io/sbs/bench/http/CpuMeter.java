package io.sbs.bench.http;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU time spent, read from Linux's {@code /proc}: this JVM's (generator, engines and, when it runs,
 * the dispatcher), a child process tree's (nginx), and the whole machine's busy time. On a small shared
 * machine throughput is bought with CPU, so CPU per request says what a path costs where requests per
 * second only say who got the cores. Off Linux every reading is 0, and the report shows that.
 */
public final class CpuMeter {

    // USER_HZ, the unit of /proc times; 100 on every Linux architecture the JDK runs on.
    private static final double TICK_NANOS = 1e9 / 100;

    private CpuMeter() {
    }

    /** CPU nanoseconds used by this JVM so far. */
    public static long jvmNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return Math.max(0, os.getProcessCpuTime());
        }
        return 0;
    }

    /** CPU nanoseconds used so far by {@code process} and its descendants still running. */
    public static long treeNanos(ProcessHandle process) {
        long ticks = ticks(process.pid());
        for (ProcessHandle p : process.descendants().toList()) {
            ticks += ticks(p.pid());
        }
        return Math.round(ticks * TICK_NANOS);
    }

    /** Busy and total CPU nanoseconds of the whole machine, all cores, since boot. */
    public static long[] machineNanos() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/stat"));
            String[] f = lines.get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {Math.round((total - idle) * TICK_NANOS), Math.round(total * TICK_NANOS)};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    private static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the command name may hold spaces and parentheses: fields are counted after the last ')'
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
