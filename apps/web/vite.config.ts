import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// `npm run dev -w @learnmesh/web` serves the app on :5173 and proxies /api to the gateway
// (`npm start`, :3000 by default; GATEWAY_URL overrides it).
const gateway = process.env.GATEWAY_URL ?? 'http://127.0.0.1:3000'

export default defineConfig({
  plugins: [react()],
  // ws: chat and notifications use Socket.IO over WebSocket through the same /api prefix.
  server: { proxy: { '/api': { target: gateway, changeOrigin: false, ws: true } } },
  build: {
    // The manifest lets scripts/check-bundle.mjs follow the catalog route's eager imports.
    manifest: true,
    sourcemap: false,
  },
})
