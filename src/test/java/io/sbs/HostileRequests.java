package io.sbs;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamWriteConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A seeded generator of hostile HTTP/1.1 requests, as raw bytes, against every endpoint of the dispatcher:
 * a corpus of valid requests per endpoint, mutated at every level (method, path, query, headers,
 * credentials, framing, body structure, body bytes). The same seed gives the same requests.
 *
 * <p>Bodies that name engine hosts (instance registrations) are mutated field by field from a fixed list of
 * hostile but offline URLs, never byte by byte, so a mutation cannot make the dispatcher resolve or call
 * a host off this machine.
 */
final class HostileRequests {

    /** Credentials a request may carry. */
    record Credentials(String viewerBasic, String operatorBasic, String viewerToken, String operatorToken,
            String engineToken) {
    }

    /**
     * One request.
     *
     * @param label     what it is, for the report: method and path as meant, and the mutation
     * @param bytes     the request as sent
     * @param truncated the body is cut short and the client half-closes, or the body is large enough that the
     *                  server may answer (401, 413) and close before reading it all, which resets the
     *                  connection under the answer: either may end without a status line
     * @param slow      only its first bytes are sent: the server must give up on it after its read timeout
     * @param changing  a change to the cluster, the policy or the units' accounting if the server takes it
     * @param misframed its chunked body cannot be decoded: Reactor Netty answers 400 itself, while the
     *                  dispatcher may already act on the valid headers of an endpoint that reads no body
     */
    record Raw(String label, byte[] bytes, boolean truncated, boolean slow, boolean changing, boolean misframed) {
    }

    private record Target(String method, String path, List<String> bodies, String contentType, boolean structured) {
    }

    // deeply nested values are part of the point: the generator writes what the server must refuse to read
    private static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder()
            .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(100_000).build()).build()).build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String[] METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE",
        "CONNECT", "FOO", "get", "P0ST"};
    private static final String[] CONTENT_TYPES = {"application/json", "///", "nosl", "application/json; charset=bogus-9",
        "text/plain", "application/json; charset=utf-16", "application/merge-patch+json", "multipart/form-data; boundary=",
        "application/x-www-form-urlencoded", "application/json;;;", "*/*", "application/json; charset=\"", "",
        "application/xml", "text/event-stream", "application/json; q=abc", "\u00e9/\u00e8"};
    private static final String[] HOSTILE_URLS = {"http://169.254.169.254/latest/meta-data", "http://[fe80::1]:8000",
        "http://admin:secret@127.0.0.1:8000", "http://127.0.0.1:0", "http://127.0.0.1:99999", "ftp://127.0.0.1/",
        "file:///etc/passwd", "not a url", "http://", "javascript:alert(1)",
        "http://127.0.0.1:99999999999999", "gopher://127.0.0.1:6379/_FLUSHALL", ""};
    private static final String[] QUERIES = {"limit=-1", "limit=99999999999999999999", "limit=abc", "seconds=1e99",
        "seconds=-5", "%ZZ", "a=%00", "a=%C0%AF", "limit=1&limit=2", "&&&", "=", "x=" + "y".repeat(3000),
        "limit=%F0%9F%98%80", "seconds=NaN", "a[]=1&a[b]=2", "%", "error", "locked", "logout"};

    private final SplittableRandom random;
    private final Credentials credentials;
    private final List<Target> targets = new ArrayList<>();

    /**
     * @param enginePort a live engine simulator's port, which instance registrations in the corpus name, with
     *                   its KV bootstrap on the same port, so a registration the dispatcher takes works
     */
    HostileRequests(long seed, Credentials credentials, int enginePort) {
        this.random = new SplittableRandom(seed);
        this.credentials = credentials;
        String chat = "{\"model\":\"sbs\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}],\"max_tokens\":2}";
        String chatStream = "{\"model\":\"sbs\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":3,"
                + "\"stream\":true}";
        String push = "{\"instance_id\":\"prefill-0\",\"duration_ms\":5.5,\"pass_tokens\":[1,0,0,0],"
                + "\"received_tokens\":[0,0,0,0],\"next_pass_tokens\":[0,0,0,0],\"backlog_tokens\":[0,0,0,0]}";
        String instance = "{\"id\":\"fuzz-1\",\"url\":\"http://127.0.0.1:" + enginePort + "\",\"kind\":\"sglang\","
                + "\"dpUnits\":1,\"chunkTokens\":1024,\"bootstrapPort\":" + enginePort + "}";
        add("POST", "/v1/chat/completions", "application/json", true, chat, chatStream);
        add("POST", "/v1/completions", "application/json", true, "{\"prompt\":\"hello\",\"max_tokens\":2}",
                "{\"prompt\":[1,2,3],\"max_tokens\":1,\"stream\":true}");
        add("GET", "/v1/models", "", true);
        add("POST", "/internal/v1/end-forward", "application/json", true, push);
        for (String read : new String[] {"/api/v1/cluster", "/api/v1/leader", "/api/v1/instances/prefill-0",
            "/api/v1/policies", "/api/v1/policies/audit?limit=5", "/api/v1/interval?seconds=10"}) {
            add("GET", read, "", true);
        }
        add("POST", "/api/v1/policies/preview", "application/json", true, "{\"policy\":{}}",
                "{\"policy\":{\"name\":\"round-robin\"},\"timeScale\":2,\"seed\":3}", "{\"policy\":{},\"trace\":\"x.csv\"}");
        add("PUT", "/api/v1/policies", "application/json", true, "{\"name\":\"sbs\",\"iqrKappa\":1.5}");
        add("PATCH", "/api/v1/policies", "application/merge-patch+json", true, "{\"iqrKappa\":1.5}");
        add("PUT", "/api/v1/interval/override", "application/json", true, "{\"interval\":null}");
        add("DELETE", "/api/v1/interval/override", "", true);
        add("POST", "/api/v1/instances", "application/json", false, instance);
        add("POST", "/api/v1/instances/fuzz-none/drain", "", true);
        add("DELETE", "/api/v1/instances/fuzz-none/drain", "", true);
        add("DELETE", "/api/v1/instances/fuzz-none", "", true);
        add("GET", "/login", "", true);
        add("POST", "/login", "application/x-www-form-urlencoded", true, "username=viewer&password=wrong&_csrf=x");
        add("POST", "/logout", "application/x-www-form-urlencoded", true, "_csrf=x");
        for (String page : new String[] {"/dashboard", "/dashboard/load", "/dashboard/iqr", "/dashboard/interval",
            "/dashboard/policies"}) {
            add("GET", page, "", true);
        }
        add("POST", "/dashboard/policies", "application/x-www-form-urlencoded", true, "expectedVersion=1&iqrKappa=2");
        for (String actuator : new String[] {"/actuator/health", "/actuator/health/readiness", "/actuator/prometheus",
            "/actuator/info", "/actuator/env", "/actuator/beans", "/v3/api-docs"}) {
            add("GET", actuator, "", true);
        }
    }

    private void add(String method, String path, String contentType, boolean structured, String... bodies) {
        targets.add(new Target(method, path, List.of(bodies), contentType, structured));
    }

    private boolean chance(double p) {
        return random.nextDouble() < p;
    }

    private <T> T pick(T[] values) {
        return values[random.nextInt(values.length)];
    }

    private <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    /** The next hostile request. */
    Raw next() {
        Target t = pick(targets);
        List<String> mutations = new ArrayList<>();
        String method = t.method();
        if (chance(0.06)) {
            method = pick(METHODS);
            mutations.add("method");
        }
        String path = t.path();
        if (chance(0.12)) {
            path = mutatePath(path);
            mutations.add("path");
        }
        if (chance(0.12)) {
            path = path + (path.contains("?") ? "&" : "?") + pick(QUERIES);
            mutations.add("query");
        }
        byte[] body = new byte[0];
        if (!t.bodies().isEmpty()) {
            String base = pick(t.bodies());
            if (chance(0.15)) {
                body = base.getBytes(StandardCharsets.UTF_8);
            } else {
                body = t.structured() ? mutateBody(base, mutations) : mutateFields(base, mutations);
            }
        } else if (chance(0.1)) {
            body = hostileJson(mutations).getBytes(StandardCharsets.UTF_8);
        }
        if (chance(0.004)) {
            // past the codecs' 8 MB buffer
            body = ("{\"a\":\"" + "x".repeat(9 * 1024 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
            mutations.add("9MB");
        }
        List<String> headers = new ArrayList<>();
        headers.add("Host: 127.0.0.1");
        String contentType = t.contentType();
        if (chance(0.2)) {
            contentType = pick(CONTENT_TYPES);
            mutations.add("content-type");
        }
        if (!contentType.isEmpty() || chance(0.05)) {
            headers.add("Content-Type: " + contentType);
        }
        headers.add(authorization(mutations));
        if (chance(0.1)) {
            headers.add(pick(new String[] {"If-Match: \"1\"", "If-Match: *", "If-Match: \"999999999999999999999\"",
                "If-Match: garbage", "If-Match: \"-1\"", "If-Match: W/\"1\""}));
        }
        if (chance(0.08)) {
            headers.add(hostileHeader(mutations));
        }
        headers.removeIf(String::isEmpty);
        boolean truncated = false;
        boolean slow = false;
        String framing = "Content-Length: " + body.length;
        double f = random.nextDouble();
        if (f < 0.03 && body.length > 2) {
            framing = "Content-Length: " + (body.length + 1 + random.nextInt(1000));
            truncated = true;
            mutations.add("truncated");
        } else if (f < 0.05) {
            framing = "Transfer-Encoding: chunked";
            body = chunked(body, mutations);
        } else if (f < 0.06) {
            framing = "Content-Length: " + body.length + "\r\nContent-Length: " + (body.length + 7);
            mutations.add("two-lengths");
        } else if (f < 0.07) {
            framing = "Content-Length: -5";
            mutations.add("negative-length");
        } else if (f < 0.075) {
            framing = "Content-Length: 99999999999999999999999";
            mutations.add("huge-length");
        } else if (f < 0.0765) {
            slow = true;
            mutations.add("slow");
        } else if (f < 0.09 && body.length == 0) {
            framing = "";
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String head = method + " " + path + " HTTP/1.1\r\n" + String.join("\r\n", headers)
                + (framing.isEmpty() ? "" : "\r\n" + framing) + "\r\nConnection: close\r\n\r\n";
        out.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(body);
        // a push taken moves T̄_fwd and a backlog that the next idle poll clears: not a lasting change
        boolean changing = List.of("POST", "PUT", "PATCH", "DELETE").contains(method)
                && path.startsWith("/api/v1/") && !path.startsWith("/api/v1/policies/preview");
        byte[] bytes = out.toByteArray();
        return new Raw(method + " " + t.path() + " " + mutations, bytes, truncated || bytes.length > 64 * 1024, slow,
                changing, mutations.contains("bad-chunks"));
    }

    private String authorization(List<String> mutations) {
        double a = random.nextDouble();
        if (a < 0.30) {
            return "";
        }
        mutations.add("auth");
        if (a < 0.36) {
            return "Authorization: " + credentials.viewerBasic();
        }
        if (a < 0.42) {
            return "Authorization: " + credentials.operatorBasic();
        }
        if (a < 0.55) {
            return "Authorization: Bearer " + credentials.viewerToken();
        }
        if (a < 0.70) {
            return "Authorization: Bearer " + credentials.operatorToken();
        }
        if (a < 0.80) {
            return "Authorization: Bearer " + credentials.engineToken();
        }
        return "Authorization: " + pick(new String[] {"Basic " + b64("viewer:wrong"), "Basic " + b64("nobody:x"),
            "Basic !!!notbase64", "Basic " + b64("no-colon"), "Basic ", "Bearer ", "Bearer x", "Bearer " + "t".repeat(5000),
            "Basic " + b64(":"), "Basic " + b64("operator:" + "p".repeat(2000)), "Negotiate abc", "bearer " + "\u00ff",
            "Basic " + b64("\u0000:\u0000"), "Bearer " + credentials.engineToken() + "x"});
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private String hostileHeader(List<String> mutations) {
        mutations.add("header");
        return pick(new String[] {"X-Request-Id: " + "r".repeat(20_000), "X-Big: " + "b".repeat(70_000),
            "X-Request-Id: \u00ff\u00fe", "Expect: 100-continue", "Accept: application/xml", "Accept: */*; q=x",
            "Accept-Charset: bogus-9", "X-Forwarded-For: 169.254.169.254", "X-Data-Parallel-Rank: -1",
            "Bad Header: x", ": empty", "X-Request-Id: a\tb", "Accept: text/event-stream", "Origin: http://evil.example",
            "Cookie: SESSION=forged; XSRF-TOKEN=x", "Range: bytes=0-1", "Accept-Encoding: gzip;q=abc"});
    }

    private String mutatePath(String path) {
        String base = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        return switch (random.nextInt(9)) {
            case 0 -> base + "/" + "%00";
            case 1 -> base.replace("prefill-0", pick(new String[] {"..%2F..%2Fetc%2Fpasswd", "%ZZ", "%C0%AF",
                "x".repeat(3000), "prefill-0%20", "%F0%9F%98%80", "prefill-0;x=1"}));
            case 2 -> "/" + base;
            case 3 -> base + "/../../" + base;
            case 4 -> base + "x".repeat(5000);
            case 5 -> base.toUpperCase();
            case 6 -> base + "/";
            case 7 -> base + "\u00e9";
            default -> "*";
        };
    }

    private byte[] chunked(byte[] body, List<String> mutations) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (chance(0.5)) {
            mutations.add("bad-chunks");
            out.writeBytes(pick(new String[] {"zz\r\n", "-1\r\n", "ffffffffffffffffff\r\n", "5\r\nab"})
                    .getBytes(StandardCharsets.ISO_8859_1));
            return out.toByteArray();
        }
        mutations.add("chunked");
        out.writeBytes((Integer.toHexString(body.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(body);
        out.writeBytes("\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    /** A JSON body mutated in its structure, its values or its bytes. */
    private byte[] mutateBody(String base, List<String> mutations) {
        int kind = random.nextInt(10);
        if (kind < 5) {
            return mutateFields(base, mutations);
        }
        byte[] bytes = base.getBytes(StandardCharsets.UTF_8);
        return switch (kind) {
            case 5 -> {
                mutations.add("cut");
                yield java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length));
            }
            case 6 -> {
                mutations.add("flip");
                byte[] b = bytes.clone();
                for (int i = 0, n = 1 + random.nextInt(4); i < n; i++) {
                    b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                }
                yield b;
            }
            case 7 -> {
                mutations.add("bad-utf8");
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                int at = random.nextInt(bytes.length);
                out.write(bytes, 0, at);
                out.writeBytes(pick(new byte[][] {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {0}, {(byte) 0xED, (byte) 0xA0,
                    (byte) 0x80}, {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80}}));
                out.write(bytes, at, bytes.length - at);
                yield out.toByteArray();
            }
            case 8 -> {
                mutations.add("duplicate-key");
                yield base.replaceFirst("\\{\"([a-z_]+)\":", "{\"$1\":null,\"$1\":").getBytes(StandardCharsets.UTF_8);
            }
            default -> hostileJson(mutations).getBytes(StandardCharsets.UTF_8);
        };
    }

    /** A JSON body with one field replaced by a hostile value, an unknown field added, or a field removed. */
    private byte[] mutateFields(String base, List<String> mutations) {
        JsonNode tree;
        try {
            tree = JSON.readTree(base);
        } catch (JacksonException e) {
            // a form, not JSON: its bytes are mutated instead
            mutations.add("form");
            return (base + pick(new String[] {"&a=%ZZ", "&username=" + "u".repeat(3000), "&_csrf=", "&%00=%00", "&&=&"}))
                    .getBytes(StandardCharsets.UTF_8);
        }
        if (!(tree instanceof ObjectNode root)) {
            return base.getBytes(StandardCharsets.UTF_8);
        }
        ObjectNode target = root;
        if (root.has("policy") && root.get("policy") instanceof ObjectNode inner && chance(0.5)) {
            target = inner;
        }
        List<String> names = new ArrayList<>(target.propertyNames());
        int kind = random.nextInt(4);
        if (kind == 0 || names.isEmpty()) {
            mutations.add("unknown-field");
            target.set(pick(new String[] {"colour", "__proto__", "max_tokens", "iqrKappa", "pinnedInterval", "n",
                "data_parallel_rank", "bootstrap_host", "url", "\u0000", ""}), hostileValue());
        } else if (kind == 1) {
            // a registration without its bootstrap port is valid and names a KV server that is not there:
            // an operator's mistake that makes requests fail upstream, not hostile input
            names.remove("bootstrapPort");
            mutations.add("removed-field");
            if (!names.isEmpty()) {
                target.remove(pick(names));
            }
        } else {
            String name = pick(names);
            mutations.add("value:" + name);
            target.set(name, name.equals("url") ? NODES.stringNode(pick(HOSTILE_URLS)) : hostileValue());
        }
        return JSON.writeValueAsBytes(root);
    }

    private JsonNode hostileValue() {
        List<Supplier<JsonNode>> values = List.of(
                NODES::nullNode, () -> NODES.booleanNode(true), () -> NODES.numberNode(0), () -> NODES.numberNode(-1),
                () -> NODES.numberNode(1.5), () -> NODES.numberNode(Integer.MAX_VALUE),
                () -> NODES.numberNode(Integer.MAX_VALUE + 1L), () -> NODES.numberNode(Long.MAX_VALUE),
                () -> NODES.numberNode(new java.math.BigInteger("123456789012345678901234567890")),
                () -> NODES.numberNode(new java.math.BigDecimal("1e400")), () -> NODES.numberNode(-1e300),
                () -> NODES.numberNode(1e300), () -> NODES.stringNode(""), () -> NODES.stringNode("PT-5S"),
                () -> NODES.stringNode("P99999999999D"), () -> NODES.stringNode("\u0000\ud83d\ude00"),
                () -> NODES.stringNode("x".repeat(100_000)), NODES::arrayNode, NODES::objectNode,
                () -> NODES.arrayNode().add(1).add("two").addNull(), () -> nested(random.nextInt(2_000)),
                () -> NODES.stringNode("round-robin"), () -> NODES.stringNode("prefill-0"));
        return pick(values).get();
    }

    private static JsonNode nested(int depth) {
        JsonNode node = NODES.numberNode(1);
        for (int i = 0; i < depth; i++) {
            ArrayNode a = NODES.arrayNode();
            a.add(node);
            node = a;
        }
        return node;
    }

    /** A whole body that is no request at all. */
    private String hostileJson(List<String> mutations) {
        mutations.add("body");
        return pick(new String[] {"", " ", "null", "[]", "\"str\"", "123", "{", "}", "[".repeat(100_000),
            "{\"a\":".repeat(5_000) + "1" + "}".repeat(5_000), "NaN", "{\"a\":NaN}", "{\"a\":Infinity}",
            "{'a':1}", "{\"a\":1,}", "/* c */ {}", "\u0000", "{\"a\":\"\\ud800\"}", "[" + "1,".repeat(200_000) + "1]",
            "{\"a\":1}{\"b\":2}", "\ufeff{}", "<xml/>", "a=b&c=d"});
    }
}
