// ESLint for the app's own browser script (`make lint-js`). Plain scripts, no build step: the
// page loads annotate.js as is, next to htmx (served from django-htmx's static files).
const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
  {
    ignores: ["staticfiles/**", ".venv/**", "node_modules/**"],
  },
  {
    files: ["annotate/static/**/*.js"],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: "latest",
      sourceType: "script",
      globals: {
        ...globals.browser,
        htmx: "readonly",
      },
    },
  },
  {
    files: ["eslint.config.js"],
    languageOptions: { sourceType: "commonjs", globals: globals.node },
  },
];
