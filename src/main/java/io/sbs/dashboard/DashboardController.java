package io.sbs.dashboard;

import io.sbs.control.ClusterView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The login page, the read-only live pages (overview, DP load, IQR bands) and the server-sent event stream
 * that feeds every page. The pages are server-rendered frames; their figures arrive over
 * {@code /dashboard/events}: first a {@code history} event (the summaries of the last minutes, for the
 * charts over time), then a {@code frame} event per second, with a {@code retry} so that the browser's
 * {@code EventSource} reconnects after a break on its own, and a keep-alive comment, so that proxies that
 * close idle connections leave a stalled stream open.
 */
@Controller
class DashboardController {

    static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
    static final Duration RETRY = Duration.ofSeconds(2);
    // the page draws without the shared history rather than wait long for it
    private static final Duration INTERVALS_TIMEOUT = Duration.ofSeconds(2);

    private final DashboardFeed feed;
    private final ClusterView view;

    DashboardController(DashboardFeed feed, ClusterView view) {
        this.feed = feed;
        this.view = view;
    }

    /**
     * Spring Security's form login posts here; it redirects failures to {@code ?error}, logins refused after
     * too many failures to {@code ?locked}, logouts to {@code ?logout}.
     */
    @GetMapping("/login")
    String login(ServerWebExchange exchange, Model model) {
        // "?error" has no value, so it is asked for by name
        model.addAttribute("failed", exchange.getRequest().getQueryParams().containsKey("error"));
        model.addAttribute("locked", exchange.getRequest().getQueryParams().containsKey("locked"));
        model.addAttribute("loggedOut", exchange.getRequest().getQueryParams().containsKey("logout"));
        return "login";
    }

    /**
     * A bookmark of the dispatcher's root lands on the dashboard; someone not logged in meets the login page
     * first (Spring Security's entry point), which leads back to the dashboard.
     */
    @GetMapping("/")
    String root() {
        return "redirect:/dashboard";
    }

    /** Browsers ask for {@code /favicon.ico} where a page names no icon (a JSON answer, say): the same icon. */
    @GetMapping("/favicon.ico")
    String favicon() {
        return "redirect:/img/favicon.svg";
    }

    @GetMapping({"/dashboard", "/dashboard/"})
    String overview(Model model) {
        return page(model, "overview");
    }

    @GetMapping("/dashboard/load")
    String load(Model model) {
        return page(model, "load");
    }

    @GetMapping("/dashboard/iqr")
    String iqr(Model model) {
        return page(model, "iqr");
    }

    private static String page(Model model, String page) {
        model.addAttribute("page", page);
        return page;
    }

    /**
     * @param units     whether frames carry the per-DP-unit columns (the DP load and IQR pages need them)
     * @param intervals whether to begin with an {@code intervals} event: the cluster's interval history as
     *                  the leader published it (oldest first), which outlives this node's own history
     */
    @GetMapping(path = "/dashboard/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    @ResponseBody
    Flux<ServerSentEvent<Object>> events(@RequestParam(defaultValue = "false") boolean units,
            @RequestParam(defaultValue = "false") boolean intervals) {
        Mono<ServerSentEvent<Object>> shared = !intervals ? Mono.<ServerSentEvent<Object>>empty()
                : view.intervalHistory(DashboardConfiguration.HISTORY)
                        .map(LiveFrame.IntervalPoint::of)
                        .collectList()
                        .map(newestFirst -> {
                            List<LiveFrame.IntervalPoint> oldestFirst = new ArrayList<>(newestFirst);
                            Collections.reverse(oldestFirst);
                            return ServerSentEvent.<Object>builder(oldestFirst).event("intervals").build();
                        })
                        .timeout(INTERVALS_TIMEOUT)
                        .onErrorResume(e -> Mono.empty());
        return stream(feed::history, shared, feed.frames(), units);
    }

    /**
     * The stream of one page: {@code history} (with the {@code retry} the browser keeps for reconnects),
     * then {@code shared} when given, then every frame, and a keep-alive comment every {@link #KEEP_ALIVE}.
     */
    static Flux<ServerSentEvent<Object>> stream(Supplier<List<LiveFrame.Summary>> history,
            Mono<ServerSentEvent<Object>> shared, Flux<LiveFrame> frames, boolean units) {
        Mono<ServerSentEvent<Object>> first = Mono.fromSupplier(() -> ServerSentEvent.<Object>builder(history.get())
                .event("history").retry(RETRY).build());
        // a browser that reads slowly gets the newest frame, not a queue of stale ones
        Flux<ServerSentEvent<Object>> live = frames.onBackpressureLatest().map(f -> ServerSentEvent.<Object>builder(
                units ? f : f.withoutUnits()).event("frame").id(Long.toString(f.summary().atMs())).build());
        Flux<ServerSentEvent<Object>> keepAlive = Flux.interval(KEEP_ALIVE)
                .map(t -> ServerSentEvent.<Object>builder().comment("keep-alive").build());
        return Flux.concat(first, shared, live).mergeWith(keepAlive);
    }
}
