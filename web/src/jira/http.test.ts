import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakePlatform, json } from '../test/fakePlatform';
import { jiraRequest, parseRetryAfter, toJiraError } from './http';

describe('toJiraError', () => {
  it('maps 401 and 403 to "forbidden" with Jira\'s message', () => {
    expect(toJiraError(json(403, { errorMessages: ['You do not have permission to edit issues in this project.'] }))).toEqual({
      kind: 'forbidden',
      status: 403,
      message: 'You do not have permission to edit issues in this project.',
    });
    expect(toJiraError(json(401, {})).kind).toBe('forbidden');
  });

  it('keeps per-field errors of a 400 (field not on screen)', () => {
    const error = toJiraError(
      json(400, {
        errorMessages: [],
        errors: { customfield_10016: "Field 'customfield_10016' cannot be set. It is not on the appropriate screen, or unknown." },
      }),
    );
    expect(error).toEqual({
      kind: 'fieldErrors',
      status: 400,
      message: "Field 'customfield_10016' cannot be set. It is not on the appropriate screen, or unknown.",
      fieldErrors: { customfield_10016: "Field 'customfield_10016' cannot be set. It is not on the appropriate screen, or unknown." },
    });
  });

  it('shows a bad JQL message verbatim', () => {
    expect(toJiraError(json(400, { errorMessages: ["Field 'sprintx' does not exist or you do not have permission to view it."] }))).toEqual({
      kind: 'badRequest',
      status: 400,
      message: "Field 'sprintx' does not exist or you do not have permission to view it.",
    });
  });

  it('maps 404 (deleted issue) and 5xx', () => {
    expect(toJiraError(json(404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'] })).kind).toBe('notFound');
    expect(toJiraError({ status: 502, headers: {}, body: 'Bad gateway' })).toMatchObject({ kind: 'unavailable', status: 502 });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('7')).toBe(7);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', Date.parse('2026-01-01T00:00:00Z'))).toBe(10);
    expect(parseRetryAfter(undefined)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
  });
});

describe('jiraRequest on 429', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const timedPlatform = () => {
    const platform = new FakePlatform();
    platform.sleepImpl = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    return platform;
  };

  it('waits for Retry-After before trying again, then succeeds', async () => {
    vi.useFakeTimers();
    const platform = timedPlatform();
    const answers = [json(429, {}, { 'retry-after': '5' }), json(200, { ok: true })];
    platform.jiraHandler = () => answers.shift() ?? json(500);
    const pending = jiraRequest(platform, '/rest/api/3/myself');
    await vi.advanceTimersByTimeAsync(4900);
    expect(platform.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(platform.calls).toHaveLength(2);
    const result = await pending;
    expect(result.ok).toBe(true);
    expect(platform.sleeps).toEqual([5000]);
  });

  it('backs off exponentially without Retry-After and gives up after the bounded attempts', async () => {
    vi.useFakeTimers();
    const platform = timedPlatform();
    platform.jiraHandler = () => json(429, {});
    const pending = jiraRequest(platform, '/rest/api/3/myself', {}, { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 30_000 });
    await vi.advanceTimersByTimeAsync(10_000);
    const result = await pending;
    expect(platform.calls).toHaveLength(3);
    expect(platform.sleeps).toEqual([1000, 2000]);
    expect(!result.ok && result.error).toMatchObject({ kind: 'rateLimited', status: 429 });
    expect(!result.ok && result.error.message).toMatch(/rate limiting/);
  });

  it('does not wait for a Retry-After longer than the policy allows', async () => {
    const platform = new FakePlatform();
    platform.jiraHandler = () => json(429, {}, { 'retry-after': '600' });
    const result = await jiraRequest(platform, '/x');
    expect(platform.calls).toHaveLength(1);
    expect(!result.ok && result.error).toMatchObject({ kind: 'rateLimited', retryAfterSeconds: 600 });
  });

  it('never retries other failures', async () => {
    const platform = new FakePlatform();
    platform.jiraHandler = () => json(403, { errorMessages: ['No.'] });
    await jiraRequest(platform, '/x');
    expect(platform.calls).toHaveLength(1);
  });
});
