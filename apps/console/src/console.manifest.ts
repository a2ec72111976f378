/**
 * The consistency console: a web page for the person on call over the four services. It takes no
 * part in the saga (it consumes no saga step and publishes no event of its own), so the tools that
 * drive or check the saga leave it out; the build, the stack and docker-compose start it.
 */
export const consoleManifest = { name: 'console', defaultPort: 3000, kind: 'console' } as const;
