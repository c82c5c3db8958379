package io.sbs.cluster;

import io.sbs.config.SbsProperties;
import io.sbs.core.ForwardEndedEvent;
import java.util.List;
import java.util.function.Consumer;

/**
 * The built-in simulated cluster the dispatcher starts when no engine is configured ({@code sbs.instances}
 * empty). The product defines what it needs here and the engine simulator provides it as a bean, so the
 * product never depends on its tools.
 */
public interface EmbeddedEngines {

    /**
     * Starts one simulated engine per prefill and per decode instance of {@code sbs.embedded.profile}, on free
     * ports, reached over real HTTP like any engine. The prefill engines hand their EndForward reports to
     * {@code endForward} when {@code sbs.embedded.end-forward} asks for them.
     */
    Started start(SbsProperties properties, Consumer<ForwardEndedEvent> endForward);

    /**
     * What started: the members to register, prefill first, and the servers the cluster closes with itself.
     */
    record Started(List<EngineCluster.Member> members, List<AutoCloseable> servers) {
    }
}
