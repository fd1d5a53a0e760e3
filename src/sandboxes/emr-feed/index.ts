/** The EMR feed simulator (issue 8, source 3): generator, expectation, sender and OnCall checker. */
export { FEED_SENDER, generateFeed, seedTag, type FeedOptions, type GeneratedFeed } from './generator.js';
export { FEED_KINDS, type ExpectedAppointment, type ExpectedContact, type FeedExpectation, type FeedKind, type FeedMessage } from './model.js';
export { sendFeed, type FeedStop, type FeedSummary, type SendFeedOptions } from './sender.js';
export { checkOncall, type CheckOptions, type OncallLister } from './check.js';
