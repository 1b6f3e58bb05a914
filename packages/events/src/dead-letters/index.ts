export {
  type DeadLetter,
  type DeadLetterSummary,
  DeadLetters,
  isLetter,
  LETTER_STATES,
  redactFailureReason,
  summarise,
} from './dead-letters.js';
export { type ReplayReport, type ReplaySelector, ReplaySelectorError, replayDeadLetters } from './replay.js';
