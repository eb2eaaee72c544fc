/* Starts the vendored Swagger UI on /docs (kept out of the page: the Content-Security-Policy allows
   no inline script). */
(function () {
  "use strict";
  var element = document.getElementById("swagger-ui");
  if (!element || !window.SwaggerUIBundle) return;
  window.SwaggerUIBundle({
    url: element.dataset.openapi,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
})();
