import Gallery
import Hummingbird

/// Unauthenticated routes for operators and browsers: health, readiness, metrics, the
/// OpenAPI document and the web page.
enum HealthRoutes {
    static func add(to router: Router<ServiceContext>, server: ServerCore) {
        router.get("/healthz") { _, _ in try Respond.json(StatusBody(status: "ok")) }

        router.get("/readyz") { _, _ in
            _ = try server.state.ready()
            return try Respond.json(StatusBody(status: "ready"))
        }

        router.get("/metrics") { _, _ in
            var gauges: [(name: String, help: String, value: Double)] = []
            if case .ready(let backend) = server.state.current {
                gauges.append(("sphere_gallery_templates", "Templates in the in-memory matrix.", Double(backend.gallery.templateCount)))
                gauges.append(("sphere_queue_load", "Vectors queued or being searched.", Double(backend.vectors.coalescer.load)))
            }
            gauges.append(("sphere_ready", "1 once the gallery and models are loaded.", server.isReady ? 1 : 0))
            return Respond.text(server.metrics.render(gauges: gauges), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }

        router.get("/openapi.yaml") { _, _ in Respond.bytes(PackageResources.openapi_yaml, contentType: "application/yaml") }
        router.get("/") { _, _ in Respond.bytes(PackageResources.index_html, contentType: "text/html; charset=utf-8") }
        router.get("/app.js") { _, _ in Respond.bytes(PackageResources.app_js, contentType: "text/javascript; charset=utf-8") }
        router.get("/style.css") { _, _ in Respond.bytes(PackageResources.style_css, contentType: "text/css; charset=utf-8") }
    }
}
