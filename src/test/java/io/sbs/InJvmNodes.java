package io.sbs;

import io.sbs.enginesim.EngineSimServer;
import io.sbs.sim.EngineProfile;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Dispatcher nodes started in the test's JVM, for tests that stop one node and watch another take over. */
public final class InJvmNodes {

    private InJvmNodes() {
    }

    /**
     * Starts a dispatcher with {@code args}. Each node has event loops of its own, as each process has in
     * production (the dispatcher's own {@code ReactorResourceFactory}, not Reactor Netty's global one), so
     * closing one node leaves the other's server and connections alone.
     */
    public static ConfigurableApplicationContext start(List<String> args) {
        return new SpringApplicationBuilder(SbsApplication.class).run(args.toArray(String[]::new));
    }

    /** {@code --sbs.instances[i].*} for {@code engines}, as {@code prefill-0}, {@code prefill-1}, ... */
    public static List<String> prefillInstances(List<EngineSimServer> engines, EngineProfile profile) {
        List<String> args = new ArrayList<>();
        for (int i = 0; i < engines.size(); i++) {
            String at = "--sbs.instances[" + i + "].";
            args.addAll(List.of(at + "id=prefill-" + i, at + "url=http://127.0.0.1:" + engines.get(i).port(),
                    at + "kind=sglang", at + "dp-units=" + profile.prefill().dpUnits(),
                    at + "chunk-tokens=" + profile.prefill().unitChunkTokens()));
        }
        return args;
    }
}
