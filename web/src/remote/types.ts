// Shapes from docs/api.md (the contract with the Estimo remote).

export type SessionMode = 'live' | 'async';
export type ParticipantRole = 'voter' | 'observer';
export type DeckId = 'fibonacci' | 'modified-fibonacci' | 't-shirt' | 'powers-of-two' | 'custom';

export interface Card {
  label: string;
  value: number | null;
}

export type SessionSource =
  | { kind: 'backlog' }
  | { kind: 'sprint'; sprintId: number }
  | { kind: 'jql'; jql: string }
  | { kind: 'issue' };

export interface CreateSessionRequest {
  projectKey: string;
  boardId: number | null;
  source: SessionSource;
  issues: Array<{ id: string; key: string }>;
  deckId: DeckId;
  customCards?: Card[];
  estimationFieldId: string;
  mode: SessionMode;
  asyncDeadline?: string;
  autoReveal: boolean;
  timerSeconds?: number;
  delegateAccountIds: string[];
}

export interface SessionSummary {
  id: string;
  projectKey: string;
  boardId: number | null;
  estimationFieldId: string;
  facilitatorAccountId: string;
  mode: SessionMode;
  status: string;
  createdAt: string;
  issueCount: number;
  participantCount: number;
}

export interface Statistics {
  count: number;
  numericCount: number;
  average: number | null;
  median: number | null;
  min: number | null;
  max: number | null;
  spread: number | null;
  spreadSteps: number | null;
  standardDeviation: number | null;
  consensus: boolean;
  nearConsensus: boolean;
  distribution: Array<{ label: string; count: number }>;
  modes: string[];
  outlierLabels: string[];
  suggestedLabel: string | null;
  suggestedValue: number | null;
}

export interface Vote {
  accountId: string;
  /** null before reveal unless it is the viewer's own vote. */
  label: string | null;
  isOutlier: boolean;
}

export interface Round {
  number: number;
  isRevealed: boolean;
  votes: Vote[];
  statistics: Statistics | null;
}

export interface AcceptedEstimate {
  label: string;
  value: number | null;
  acceptedBy: string;
  acceptedAt: string;
  roundNumber: number;
}

export interface SessionIssue {
  issueId: string;
  issueKey: string;
  isSkipped: boolean;
  accepted: AcceptedEstimate | null;
  rounds: Round[];
}

export interface Participant {
  accountId: string;
  role: ParticipantRole;
  isPresent: boolean;
  canFacilitate: boolean;
}

export interface SessionView {
  sessionId: string;
  version: number;
  status: string;
  mode: SessionMode;
  projectKey: string;
  boardId: number | null;
  estimationFieldId: string;
  deckId: DeckId;
  deckName: string;
  deckValuesAreMapping: boolean;
  cards: Card[];
  facilitatorAccountId: string;
  delegateAccountIds: string[];
  viewerAccountId: string;
  viewerRole: ParticipantRole;
  viewerCanFacilitate: boolean;
  currentIndex: number;
  timerEndsAt: string | null;
  /** Not in docs/api.md yet: the session's default timer, if the remote starts sending it. */
  timerSeconds?: number | null;
  asyncDeadline: string | null;
  votingClosed: boolean;
  hiddenIssueCount: number;
  participants: Participant[];
  issues: SessionIssue[];
}

export interface EstimationRecord {
  sessionId: string;
  finalLabel: string;
  finalValue: number | null;
  distribution: Array<{ label: string; count: number }>;
  /** Rounds it took (the record is written by the remote: Estimo.Core EstimationRecord). */
  roundCount: number;
  participantAccountIds: string[];
  estimatedAt: string;
}

export interface AcceptResult {
  view: SessionView;
  estimationRecord: EstimationRecord;
}

export type FacilitatorAction =
  | 'reveal'
  | 'revote'
  | 'skip'
  | 'next'
  | 'previous'
  | 'goto'
  | 'closeVoting'
  | 'startTimer'
  | 'stopTimer'
  | 'end';

/** RFC 7807 problem details with the remote's stable `code`. */
export interface Problem {
  status: number;
  code: string;
  title: string;
  detail: string;
  errors?: Record<string, string[]>;
  issueIds?: string[];
  /** 409 conflict: the session as it is now. */
  current?: SessionView;
  retryAfterSeconds?: number;
}

export type RemoteResult<T> = { ok: true; value: T } | { ok: false; problem: Problem };
