// Starts Swagger UI on the API docs page. A file, not an inline script: the catalogue's
// Content-Security-Policy runs no inline script.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: document.body.dataset.spec,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null, // the public validator is another site; the page works offline
  });
});
