// Vite builds the UI into web/dist, which `rollcall serve` serves as it is
// (assets under /assets/ cached as immutable; any other path outside /api/
// gets index.html, so the app routes on the client with the History API).
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 400 },
  // `npm run dev` against a local server: ROLLCALL_API=http://127.0.0.1:8080
  server: {
    proxy: {
      "/api":
        (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.ROLLCALL_API ??
        "http://127.0.0.1:8080",
    },
  },
});
