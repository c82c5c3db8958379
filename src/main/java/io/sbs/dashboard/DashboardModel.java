package io.sbs.dashboard;

import io.sbs.control.DegradedMode;
import io.sbs.security.Roles;
import io.sbs.state.Leadership;
import java.security.Principal;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * What every dashboard page shows around its content: who is logged in, whether they may change things
 * (the forms are disabled for a viewer, and the server refuses them anyway), this node's leadership, and
 * whether it decides alone because the shared store is unreachable (degraded mode).
 */
@ControllerAdvice(assignableTypes = {DashboardController.class, PolicyPagesController.class})
class DashboardModel {

    private static final String OPERATOR_AUTHORITY = "ROLE_" + Roles.OPERATOR;

    private final Leadership leadership;
    private final DegradedMode degradedMode;

    DashboardModel(Leadership leadership, DegradedMode degradedMode) {
        this.leadership = leadership;
        this.degradedMode = degradedMode;
    }

    @ModelAttribute("user")
    Mono<String> user(ServerWebExchange exchange) {
        return exchange.getPrincipal().map(Principal::getName).defaultIfEmpty("");
    }

    @ModelAttribute("canOperate")
    Mono<Boolean> canOperate(ServerWebExchange exchange) {
        return exchange.getPrincipal()
                .map(p -> p instanceof Authentication a
                        && a.getAuthorities().stream().anyMatch(g -> g.getAuthority().equals(OPERATOR_AUTHORITY)))
                .defaultIfEmpty(false);
    }

    @ModelAttribute("node")
    Leadership.Status node() {
        return leadership.status();
    }

    @ModelAttribute("degraded")
    boolean degraded() {
        return degradedMode.degraded();
    }
}
