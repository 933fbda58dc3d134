import { describe, expect, it } from 'vitest';
import { buildCreateRequest, preflightKey, type SessionFormState } from './sessionForm';

const state = (overrides: Partial<SessionFormState> = {}): SessionFormState => ({
  projectKey: 'EST',
  boardId: 1,
  source: { kind: 'sprint', sprintId: 3 },
  issues: [
    { id: '1', key: 'EST-1', summary: 'A', issueType: 'Story', status: 'To Do' },
    { id: '2', key: 'EST-2', summary: 'B', issueType: 'Bug', status: 'To Do' },
  ],
  selected: new Set(['1', '2']),
  excluded: new Set(),
  deckId: 'fibonacci',
  customText: '',
  fieldId: 'customfield_10016',
  mode: 'live',
  deadlineLocal: '',
  autoReveal: false,
  timerSeconds: '',
  delegateIds: [],
  ...overrides,
});

describe('buildCreateRequest', () => {
  it('builds the documented request from the form, leaving out excluded issues', () => {
    const result = buildCreateRequest(state({ excluded: new Set(['2']), timerSeconds: '90', delegateIds: ['acc-b'] }));
    expect(result).toEqual({
      ok: true,
      request: {
        projectKey: 'EST',
        boardId: 1,
        source: { kind: 'sprint', sprintId: 3 },
        issues: [{ id: '1', key: 'EST-1' }],
        deckId: 'fibonacci',
        estimationFieldId: 'customfield_10016',
        mode: 'live',
        autoReveal: false,
        timerSeconds: 90,
        delegateAccountIds: ['acc-b'],
      },
    });
  });

  it('sends custom cards and an ISO deadline for async sessions', () => {
    const result = buildCreateRequest(
      state({ deckId: 'custom', customText: 'S = 1\nM = 3', mode: 'async', deadlineLocal: '2026-12-01T09:00' }),
      new Date('2026-11-28T00:00:00'),
    );
    expect(result.ok && result.request.customCards).toEqual([
      { label: 'S', value: 1 },
      { label: 'M', value: 3 },
    ]);
    expect(result.ok && result.request.asyncDeadline).toBe(new Date('2026-12-01T09:00').toISOString());
  });

  it('lists every problem at once', () => {
    const result = buildCreateRequest(
      state({ selected: new Set(), fieldId: '', mode: 'async', deadlineLocal: '2020-01-01T00:00', timerSeconds: '2' }),
      new Date('2026-11-28T00:00:00'),
    );
    expect(result).toEqual({
      ok: false,
      errors: [
        'Load issues and select at least one.',
        'Choose the estimation field.',
        'The deadline must be in the future.',
        'The timer must be a whole number of seconds between 5 and 3600.',
      ],
    });
  });

  it('keys the pre-flight result by field and selection, in any order', () => {
    expect(preflightKey('f', ['2', '1'])).toBe(preflightKey('f', ['1', '2']));
    expect(preflightKey('f', ['1'])).not.toBe(preflightKey('g', ['1']));
  });
});
