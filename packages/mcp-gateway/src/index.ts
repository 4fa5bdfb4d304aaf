/**
 * @regent/mcp-gateway: an MCP gateway in front of upstream MCP servers that asks regent before
 * every tool call and passes every result through regent's result phase. It owns the gateway's
 * configuration, the upstream connections and the agent-facing transports; it reaches regent only
 * through @regent/client and imports nothing from the server (src/).
 */
export {
  GATEWAY_CONFIG_SCHEMA,
  ConfigError,
  loadGatewayConfig,
  parseGatewayConfig,
  type GatewayConfig,
  type ToolMapping,
  type AgentIdentity,
} from './config.ts';
export { Gateway, GATEWAY_VERSION, type Connection } from './gateway.ts';
export { listenHttp, type HttpListener } from './http-listener.ts';
export { serveStdio } from './stdio-listener.ts';
export { HIDING_CODES } from './visibility.ts';
