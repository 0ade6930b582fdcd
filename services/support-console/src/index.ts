export { buildApp } from './app.ts';
export { DEFAULT_SUPPORT_CONSOLE_PORT, loadSupportConsoleConfig, type SupportConsoleConfig } from './config.ts';
export { main, type RunningSupportConsole, start } from './server.ts';
