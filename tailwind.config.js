/** @type {import('tailwindcss').Config} */
module.exports = {
  content: ["./views/**/*.templ", "./views/**/*.go", "./static/src/**/*.js"],
  theme: {
    extend: {
      colors: {
        brand: {
          50: "#eef4ff",
          100: "#dae6ff",
          200: "#bdd2ff",
          300: "#90b5ff",
          400: "#5b8cfd",
          500: "#3563f6",
          600: "#1f43eb",
          700: "#1a33c9",
          800: "#1b2ea3",
          900: "#1c2d81",
          950: "#161d4e",
        },
      },
      // Inline code in Markdown shows as a tinted chip, not wrapped in backticks.
      typography: {
        DEFAULT: {
          css: {
            "code::before": { content: "none" },
            "code::after": { content: "none" },
            code: { backgroundColor: "#f1f5f9", borderRadius: "0.25rem", padding: "0.1rem 0.3rem", fontWeight: "500" },
          },
        },
      },
      fontFamily: {
        sans: ["Inter", "ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
        mono: ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "Liberation Mono", "monospace"],
      },
    },
  },
  plugins: [require("@tailwindcss/typography")],
};
