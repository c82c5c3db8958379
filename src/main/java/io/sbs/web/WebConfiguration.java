package io.sbs.web;

import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RequestPredicates.POST;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import io.micrometer.core.instrument.MeterRegistry;
import io.sbs.cluster.EngineCluster;
import io.sbs.config.SbsProperties;
import io.sbs.control.Admission;
import io.sbs.engine.EngineLoops;
import io.sbs.engine.PromptTokens;
import io.sbs.errors.ClientErrors;
import io.sbs.errors.DroppedErrors;
import io.sbs.errors.ProblemWriter;
import io.sbs.loop.DispatchLoop;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.util.unit.DataSize;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/** Routes of the ingress and the engine-facing endpoints, and the error path of client mistakes. */
@Configuration(proxyBeanMethods = false)
class WebConfiguration {

    WebConfiguration() {
        // a stalled body's read timeout reaches Reactor twice: answered 408 once, then dropped
        DroppedErrors.install();
    }

    /**
     * The inference ingress, served by Reactor Netty ahead of Spring's handler ({@link InferenceRoutes}); the
     * body limit is the one Spring's codecs apply to every other body.
     */
    @Bean
    InferenceRoutes inferenceRoutes(DispatchLoop loop, Admission admission, EngineCluster engines,
            SbsProperties properties, PromptTokens promptTokens, DispatcherMetrics metrics, MeterRegistry registry,
            @Value("${spring.http.codecs.max-in-memory-size:256KB}") DataSize maxBody) {
        InferenceHandler handler = new InferenceHandler(loop, admission, engines, properties, promptTokens, metrics);
        return new InferenceRoutes(handler, metrics, new IngressTimers(registry), (int) maxBody.toBytes());
    }

    @Bean
    RouterFunction<ServerResponse> endForwardRoute(DispatchLoop loop, Admission admission, EngineCluster engines,
            DispatcherMetrics metrics) {
        EndForwardHandler handler = new EndForwardHandler(loop, admission, engines, metrics);
        return route(POST("/internal/v1/end-forward"), handler::endForward);
    }

    /**
     * {@code GET /v1/models} is {@link InferenceRoutes}'; WebFlux keeps the route for what it matched and the
     * Reactor Netty route does not (a {@code HEAD}), so those answer as they did.
     */
    @Bean
    RouterFunction<ServerResponse> modelsFallback(InferenceRoutes routes) {
        return route(GET(InferenceRoutes.MODELS), request -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                .bodyValue(routes.models()));
    }

    /**
     * Slow clients (slowloris): a request's body must come without a pause of {@code sbs.request-read-timeout}
     * and whole within three times it, or Reactor Netty answers 408 and closes the connection; its headers
     * are bounded by {@code server.netty.idle-timeout}. Reactor Netty stops these clocks once the request is
     * read, so long answers (streams, the dashboard's feed) are not cut.
     */
    @Bean
    NettyServerCustomizer requestReadTimeout(SbsProperties properties) {
        Duration pause = properties.requestReadTimeout();
        return server -> server.readTimeout(pause).requestTimeout(pause.multipliedBy(3));
    }

    /**
     * The event loops and connection pool of this dispatcher alone (the web server's and the demo load's),
     * in place of Spring Boot's default, Reactor Netty's JVM-wide {@code HttpResources}: at a stop that
     * factory disposes the global pool and loops, closing the connections of every other user in the JVM
     * mid-answer (another dispatcher started in the same JVM, as the integration tests do, and its clients),
     * each logged by Reactor Netty as a WARN "Connection prematurely closed DURING response". Its pool ends
     * with this node, after its web server has drained (phase 0). Its event loops are the engine calls'
     * ({@link EngineLoops}, the JVM's, never disposed), which it uses without owning, so a request is served
     * on one thread from its read to its answer.
     */
    @Bean
    ReactorResourceFactory reactorResourceFactory() {
        ReactorResourceFactory own = new ReactorResourceFactory();
        own.setUseGlobalResources(false);
        own.setLoopResources(EngineLoops.RESOURCES);
        return own;
    }

    /** Before Spring Security's filters (order -100), the first readers of the login form. */
    @Bean
    @Order(-200)
    FormBodyCheck formBodyCheck() {
        return new FormBodyCheck();
    }

    /** Before Spring Boot's handler (order -1), which would log a client's mistake with a stack trace. */
    @Bean
    @Order(-2)
    ClientErrors clientErrors(ServerCodecConfigurer codecs) {
        return new ClientErrors(new ProblemWriter(codecs));
    }
}
