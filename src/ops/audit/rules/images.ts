/**
 * Image rules (IMG): Kubernetes `image:` and Dockerfile `FROM` references.
 * @module
 */
import { parseImage } from '../images.js'
import { imageBefore } from '../matchers.js'
import type { Rule } from '../types.js'

export const imageRules: readonly Rule[] = [
  {
    id: 'IMG001',
    severity: 'medium',
    title: 'Image without a pinned tag',
    reference: 'guide: Failure Modes (framework CVE: know and update the version)',
    fix: 'Pin a released version tag (better: tag@sha256:digest).',
    match: {
      image: subject => {
        const image = parseImage(subject.reference)
        return image.digest === undefined && (image.tag === undefined || image.tag === 'latest')
          ? [{ message: `${subject.reference}: ${image.tag === undefined ? 'untagged (means :latest)' : ':latest'}, so the running version is unknown` }]
          : []
      }
    }
  },
  {
    id: 'IMG002',
    severity: 'critical',
    title: 'vLLM image with known advisories',
    reference: 'CVE-2026-22778 (RCE), CVE-2026-24779 (SSRF), fixed in 0.14.1',
    fix: 'Upgrade vllm/vllm-openai to v0.14.1 or later (newer releases fix further advisories, e.g. CVE-2026-34756 in 0.19.0).',
    match: { image: imageBefore(/(^|\/)vllm-openai$/, [0, 14, 1], 'before 0.14.1 (CVE-2026-22778 remote code execution, CVE-2026-24779 SSRF)') }
  },
  {
    id: 'IMG003',
    severity: 'critical',
    title: 'Triton image with known advisories',
    reference: 'CVE-2025-23310, CVE-2025-23311, CVE-2025-23319, CVE-2025-23320, CVE-2025-23334, fixed in 25.07',
    fix: 'Upgrade nvcr.io/nvidia/tritonserver to 25.07 or later.',
    match: { image: imageBefore(/(^|\/)tritonserver$/, [25, 7], 'before 25.07 (CVE-2025-23310/23311 stack overflow, CVE-2025-23319 Python-backend RCE chain)') }
  },
  {
    id: 'IMG004',
    severity: 'medium',
    title: 'TorchServe image: limited maintenance, no security patches',
    reference: 'TorchServe SECURITY.md (limited maintenance: no planned security patches)',
    fix: 'Keep TorchServe on loopback behind infergate as the only control point, and plan a move to a maintained server.',
    match: {
      image: subject => /(^|\/)torchserve$/.test(parseImage(subject.reference).repository)
        ? [{ message: `${subject.reference}: TorchServe is in limited maintenance with no planned security patches` }]
        : []
    }
  }
]
