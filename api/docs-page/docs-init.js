/* Starts Swagger UI on the generated document (a file, not inline, so the CSP stays 'self'). */
/* global SwaggerUIBundle */
window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true });
