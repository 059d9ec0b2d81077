/**
 * Structured logging: `createLogger()` gives JSON lines for machines and readable lines on a terminal.
 */

export { createLogger, type Level, type Logger, type LoggerOptions, silentLogger } from './logger.ts';
