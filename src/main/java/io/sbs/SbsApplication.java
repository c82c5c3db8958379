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
        SpringApplication.run(SbsApplication.class, args);
    }
}
