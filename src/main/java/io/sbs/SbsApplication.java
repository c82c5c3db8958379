package io.sbs;

import io.sbs.bench.BenchCommand;
import io.sbs.chaos.ChaosCommand;
import io.sbs.enginesim.EngineSimCommand;
import java.util.Arrays;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The platform's entry point. {@code java -jar sbs.jar} starts the service; {@code java -jar sbs.jar
 * bench <suite> ...} runs a benchmark suite, {@code java -jar sbs.jar engine-sim ...} a simulated engine and
 * {@code java -jar sbs.jar chaos <drill> ...} a chaos drill, all from the same jar without starting Spring.
 */
@SpringBootApplication(proxyBeanMethods = false)
public class SbsApplication {

    /**
     * Reactor Netty's event loops for the HTTP server: it runs {@code max(4, cores)} of them, which on a
     * small machine or pod (two cores) only time-slice against each other and against the dispatch loop
     * and the engine calls' loops. The service runs one per core unless the property is given
     * (docs/operations.md); measured on two cores, this took about 15 % off its CPU per request
     * (docs/benchmarks.md, dispatcher overhead).
     */
    static final String IO_WORKERS = "reactor.netty.ioWorkerCount";

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0 && args[0].equals("bench")) {
            System.exit(BenchCommand.run(Arrays.copyOfRange(args, 1, args.length)));
        }
        if (args.length > 0 && args[0].equals("engine-sim")) {
            System.exit(EngineSimCommand.run(Arrays.copyOfRange(args, 1, args.length)));
        }
        if (args.length > 0 && args[0].equals("chaos")) {
            System.exit(ChaosCommand.run(Arrays.copyOfRange(args, 1, args.length)));
        }
        // read once, when Reactor Netty first makes its event loops: before anything starts a server
        if (System.getProperty(IO_WORKERS) == null) {
            System.setProperty(IO_WORKERS, Integer.toString(Runtime.getRuntime().availableProcessors()));
        }
        SpringApplication.run(SbsApplication.class, args);
    }
}
