import type { Linter } from 'eslint';

export interface Layer {
  name: string;
  modules: string[];
  apart?: boolean;
}

export declare const LAYERS: Layer[];
export declare function layerRules(): Linter.Config[];
