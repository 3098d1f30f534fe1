/**
 * What a detection says about each face beyond its box: a quality score and five key points. Pure.
 */
import type { FaceBox } from '../ports/recognizer.js';

type Point = { readonly x: number; readonly y: number };

/**
 * The side face-api's recognition net is fed (150 × 150, the aligned face resized to it): a face whose shorter
 * side reaches it loses nothing to upscaling; below it the descriptor is computed from fewer pixels.
 */
export const DESCRIPTOR_INPUT_SIDE = 150;

/**
 * 0..1: the detector's score times min(1, shorter side / 150 px). A 40 px face (the enrollment floor) with a
 * score of 0.9 gets 0.24; a 150 px one with the same score gets 0.9. Sharpness is not measured.
 */
export function faceQuality(box: FaceBox, score: number): number {
  const sizeFactor = Math.min(1, Math.min(box.width, box.height) / DESCRIPTOR_INPUT_SIDE);
  return Math.floor(Math.max(0, Math.min(1, score)) * sizeFactor * 1000) / 1000; // floored: never above the score
}

function centerOf(points: readonly Point[]): Point {
  const sum = points.reduce((a, p) => ({ x: a.x + p.x, y: a.y + p.y }), { x: 0, y: 0 });
  return { x: round2(sum.x / points.length), y: round2(sum.y / points.length) };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * The five key points of the 68 (dlib's order), in image order: the eye on the image's left (points 36-41) and
 * on its right (42-47) as their centers, the nose tip (30), the mouth corners on the left (48) and right (54).
 */
export function keyPointsOf(landmarks: readonly Point[]): Point[] {
  if (landmarks.length !== 68) return [];
  const at = (i: number) => ({ x: round2(landmarks[i]!.x), y: round2(landmarks[i]!.y) });
  return [centerOf(landmarks.slice(36, 42)), centerOf(landmarks.slice(42, 48)), at(30), at(48), at(54)];
}
