package io.sbs.bench.http;

import io.sbs.SbsApplication;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.Banner;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The service under test, started in this JVM exactly as {@code java -jar sbs.jar} would start it, with
 * the instant engines configured as SGLang instances, on a free loopback port, without the demo load and
 * with logging at WARN so the console costs nothing per request.
 */
final class Dispatcher implements AutoCloseable {

    private final ConfigurableApplicationContext app;

    private Dispatcher(ConfigurableApplicationContext app) {
        this.app = app;
    }

    /** Spring's command-line properties for {@code policy} over the engines on {@code ports}. */
    static List<String> arguments(String policy, List<Integer> ports, int dpUnits, int chunkTokens) {
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1",
                "--sbs.policy=" + policy, "--sbs.embedded.demo-qps=0", "--logging.level.root=WARN",
                // Spring's logging settings apply to the whole JVM: the generator counts its own
                // timeouts, so reactor-netty's warning per failed connection is only noise
                "--logging.level.reactor.netty=ERROR",
                "--spring.main.banner-mode=off"));
        for (int i = 0; i < ports.size(); i++) {
            String p = "--sbs.instances[" + i + "].";
            args.add(p + "id=instant-" + i);
            args.add(p + "url=http://127.0.0.1:" + ports.get(i));
            args.add(p + "kind=sglang");
            args.add(p + "dp-units=" + dpUnits);
            args.add(p + "chunk-tokens=" + chunkTokens);
        }
        return args;
    }

    static Dispatcher start(String policy, List<Integer> ports, int dpUnits, int chunkTokens) {
        return new Dispatcher(new SpringApplicationBuilder(SbsApplication.class).bannerMode(Banner.Mode.OFF)
                .logStartupInfo(false).run(arguments(policy, ports, dpUnits, chunkTokens).toArray(String[]::new)));
    }

    int port() {
        return ((WebServerApplicationContext) app).getWebServer().getPort();
    }

    @Override
    public void close() {
        app.close();
    }
}
