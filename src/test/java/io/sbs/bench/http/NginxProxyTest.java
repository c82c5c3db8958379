package io.sbs.bench.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class NginxProxyTest {

    @Test
    void config_twoUpstreams_keepsEveryFileUnderTheDirectoryAndPoolsConnections() {
        String conf = NginxProxy.config(Path.of("/tmp/run/nginx"), 18080, List.of(9001, 9002), 64);
        assertThat(conf)
                .contains("daemon off;", "worker_processes auto;", "pid /tmp/run/nginx/nginx.pid;",
                        "error_log /tmp/run/nginx/error.log warn;", "access_log off;",
                        "client_body_temp_path /tmp/run/nginx/tmp/client_body;", "proxy_temp_path /tmp/run/nginx/tmp/proxy;",
                        "server 127.0.0.1:9001;", "server 127.0.0.1:9002;", "keepalive 64;",
                        "listen 127.0.0.1:18080;", "proxy_pass http://engines;", "proxy_http_version 1.1;",
                        "proxy_set_header Connection \"\";");
        // every file nginx writes is under the run's directory: nothing goes to /var
        assertThat(conf.lines().map(String::trim)
                .filter(l -> l.startsWith("pid ") || l.startsWith("error_log ") || l.contains("_temp_path ")).toList())
                .hasSize(7)
                .allSatisfy(l -> assertThat(l).contains(" /tmp/run/nginx/"));
        // balanced braces, or nginx would refuse the file
        assertThat(conf.chars().filter(c -> c == '{').count()).isEqualTo(conf.chars().filter(c -> c == '}').count());
    }

    @Test
    void config_relativeDirectory_isMadeAbsolute() {
        String conf = NginxProxy.config(Path.of("bench-out/x"), 1, List.of(2), 8);
        assertThat(conf).contains("pid " + Path.of("bench-out/x").toAbsolutePath().normalize() + "/nginx.pid;");
    }

    @Test
    void config_noUpstream_throws() {
        assertThatThrownBy(() -> NginxProxy.config(Path.of("/tmp"), 1, List.of(), 8))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void locate_givenPathNotExecutable_failsNamingIt() {
        assertThatThrownBy(() -> NginxProxy.locate("/nonexistent/nginx"))
                .isInstanceOf(HttpBench.SetupException.class).hasMessageContaining("/nonexistent/nginx");
    }
}
