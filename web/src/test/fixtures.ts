// Small factories for test data ("Some" style): valid by default, override what matters.
import type { Round, SessionIssue, SessionView, Statistics } from '../remote/types';

export const someStatistics = (overrides: Partial<Statistics> = {}): Statistics => ({
  count: 3,
  numericCount: 3,
  average: 5.333,
  median: 5,
  min: 3,
  max: 8,
  spread: 5,
  spreadSteps: 2,
  standardDeviation: 2.05,
  consensus: false,
  nearConsensus: false,
  distribution: [
    { label: '3', count: 1 },
    { label: '5', count: 1 },
    { label: '8', count: 1 },
  ],
  modes: ['3', '5', '8'],
  outlierLabels: [],
  suggestedLabel: '5',
  suggestedValue: 5,
  ...overrides,
});

export const someRound = (overrides: Partial<Round> = {}): Round => ({
  number: 1,
  isRevealed: false,
  votes: [],
  statistics: null,
  ...overrides,
});

export const someIssue = (overrides: Partial<SessionIssue> = {}): SessionIssue => ({
  issueId: '10001',
  issueKey: 'EST-1',
  isSkipped: false,
  accepted: null,
  rounds: [someRound()],
  ...overrides,
});

export const someView = (overrides: Partial<SessionView> = {}): SessionView => ({
  sessionId: 'sess-1',
  version: 3,
  status: 'active',
  mode: 'live',
  projectKey: 'EST',
  boardId: 1,
  estimationFieldId: 'customfield_10016',
  deckId: 'fibonacci',
  deckName: 'Fibonacci',
  deckValuesAreMapping: false,
  cards: [
    { label: '1', value: 1 },
    { label: '2', value: 2 },
    { label: '3', value: 3 },
    { label: '5', value: 5 },
    { label: '8', value: 8 },
    { label: '?', value: null },
  ],
  facilitatorAccountId: 'acc-me',
  delegateAccountIds: [],
  viewerAccountId: 'acc-me',
  viewerRole: 'voter',
  viewerCanFacilitate: true,
  currentIndex: 0,
  timerEndsAt: null,
  asyncDeadline: null,
  votingClosed: false,
  hiddenIssueCount: 0,
  participants: [
    { accountId: 'acc-me', role: 'voter', isPresent: true, canFacilitate: true },
    { accountId: 'acc-ana', role: 'voter', isPresent: true, canFacilitate: false },
  ],
  issues: [someIssue(), someIssue({ issueId: '10002', issueKey: 'EST-2' })],
  ...overrides,
});
