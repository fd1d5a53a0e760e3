/** Types for bin/compiled.js (plain JavaScript, so the CLI's entry point needs no loader). */
export declare const BUILD_STAMP: string;
export declare const COMPILED_MAIN: string;
export declare function serverSources(root: string): string[];
export declare function newestSourceMtimeMs(root: string): number;
export declare function freshCompiledMain(root: string): string | undefined;
