package io.sbs.web;

import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RequestPredicates.POST;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import io.sbs.cluster.EngineCluster;
import io.sbs.config.SbsProperties;
import io.sbs.control.Admission;
import io.sbs.engine.PromptTokens;
import io.sbs.errors.ClientErrors;
import io.sbs.errors.ProblemWriter;
import io.sbs.loop.DispatchLoop;
import java.time.Duration;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/** Routes of the ingress and the engine-facing endpoints, and the error path of client mistakes. */
@Configuration(proxyBeanMethods = false)
class WebConfiguration {

    @Bean
    RouterFunction<ServerResponse> inferenceRoutes(DispatchLoop loop, Admission admission, EngineCluster engines,
            SbsProperties properties, PromptTokens promptTokens, DispatcherMetrics metrics) {
        InferenceHandler handler = new InferenceHandler(loop, admission, engines, properties, promptTokens, metrics);
        return route(POST("/v1/chat/completions"), handler::chat)
                .andRoute(POST("/v1/completions"), handler::completions)
                .andRoute(GET("/v1/models"), handler::models)
                .andRoute(POST("/internal/v1/end-forward"), handler::endForward);
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
