import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isOperonError, isRetryable, OperonError } from './errors.ts';

describe('errors', () => {
  it('takes retryable from the code table unless the creator says otherwise', () => {
    for (const code of [
      ErrorCode.Timeout,
      ErrorCode.Unreachable,
      ErrorCode.AuthFailed,
      ErrorCode.PortInUse,
    ]) {
      assert.equal(new OperonError(code, 'm').retryable, true, code);
    }
    for (const code of [
      ErrorCode.InvalidArgument,
      ErrorCode.UnknownKind,
      ErrorCode.Terminal,
      ErrorCode.InvalidOutcome,
    ]) {
      assert.equal(new OperonError(code, 'm').retryable, false, code);
    }
    assert.equal(new OperonError(ErrorCode.Timeout, 'm', { retryable: false }).retryable, false);
    assert.equal(new OperonError(ErrorCode.InvalidArgument, 'm', { retryable: true }).retryable, true);
  });

  it('answers isOperonError and isRetryable for any value without throwing, a throwing Proxy included', () => {
    const trap = () => {
      throw new Error('trap');
    };
    const proxy = new Proxy({}, { getPrototypeOf: trap, get: trap });
    for (const v of [proxy, null, undefined, 1n, Symbol('s'), 'x', new Error('e')]) {
      assert.equal(isOperonError(v), false);
      assert.equal(isRetryable(v), false);
    }
    assert.equal(isRetryable(new OperonError(ErrorCode.Unreachable, 'down')), true);
    assert.equal(isOperonError(new OperonError(ErrorCode.Unreachable, 'down'), ErrorCode.Timeout), false);
  });
});
