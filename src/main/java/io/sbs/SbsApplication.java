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
     * Reactor Netty 1.3.7's HTTP/1.1 server stops reading a keep-alive connection when the client's next
     * request arrives before the previous exchange has terminated and is then answered without leaving the
     * event loop (a 401, 403, 400 or 429): the request after it never gets an answer
     * (reactor/reactor-netty#4347, #4361; fixed after 1.3.7). Flushing the last response when no read is
     * pending terminates the exchange first, so the next request is not queued behind it. HTTP pipelining
     * (rare among clients) is not covered. Remove once Spring Boot brings a Reactor Netty with the fix; the
     * test JVMs set the same property (pom.xml).
     */
    static final String KEEP_ALIVE_WORKAROUND = "reactor.netty.http.server.lastFlushWhenNoRead";

    public static void main(String[] args) throws InterruptedException {
        // read once, when the first server class loads: before anything starts one
        if (System.getProperty(KEEP_ALIVE_WORKAROUND) == null) {
            System.setProperty(KEEP_ALIVE_WORKAROUND, "true");
        }
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
