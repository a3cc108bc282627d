import Testing

@testable import SlipwayGitOps

@Suite("KustomizationImageEditor")
struct KustomizationImageEditorTests {
    let editor = KustomizationImageEditor(path: "clusters/prod/shop/kustomization.yaml")
    let shop = "ghcr.io/nortinia-ltd/shop"

    /// Sets the tag and checks the result is the input with exactly `old` replaced by `new` once.
    private func expectOnlyReplacement(
        in text: String, image: String? = nil, tag: String = "main-5d6e7f8", old: String, new: String,
        oldTag: String?, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(
            text.components(separatedBy: old).count == 2, "fixture must contain `\(old)` exactly once",
            sourceLocation: sourceLocation)
        let edit = try editor.settingTag(tag, image: image ?? shop, in: text)
        #expect(edit.text == text.replacingOccurrences(of: old, with: new), sourceLocation: sourceLocation)
        #expect(edit.oldTag == oldTag, sourceLocation: sourceLocation)
        #expect(edit.changed, sourceLocation: sourceLocation)
    }

    @Test func keepsEveryOtherByteIncludingTheFluxMarker() throws {
        let text = """
            # Shop, production.   Trailing spaces stay:   
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources:
              - deployment.yaml    # the workload
            images:
              # the app
              - name: ghcr.io/nortinia-ltd/shop   # registry image
                newTag: main-1a2b3c4 # {"$imagepolicy": "flux-system:shop:tag"}
              - name: docker.io/library/busybox
                newTag: "1.36"
            patches:
              - path: replicas.yaml

            """
        try expectOnlyReplacement(
            in: text, old: "newTag: main-1a2b3c4 #", new: "newTag: main-5d6e7f8 #", oldTag: "main-1a2b3c4")
    }

    @Test func keepsSingleAndDoubleQuotes() throws {
        try expectOnlyReplacement(
            in: "resources: [a.yaml]\nimages:\n- name: ghcr.io/nortinia-ltd/shop\n  newTag: 'main-1a2b3c4'\n",
            old: "'main-1a2b3c4'", new: "'main-5d6e7f8'", oldTag: "main-1a2b3c4")
        try expectOnlyReplacement(
            in: "resources: [a.yaml]\nimages:\n- name: \"ghcr.io/nortinia-ltd/shop\"\n  newTag: \"main-1a2b3c4\"\n",
            old: "\"main-1a2b3c4\"", new: "\"main-5d6e7f8\"", oldTag: "main-1a2b3c4")
    }

    @Test func keepsCRLFLineEndings() throws {
        let text =
            "kind: Kustomization\r\nresources:\r\n  - deployment.yaml\r\nimages:\r\n"
            + "  - name: ghcr.io/nortinia-ltd/shop\r\n    newTag: main-1a2b3c4\r\n  - name: other\r\n    newTag: x\r\n"
        let edit = try editor.settingTag("main-5d6e7f8", image: shop, in: text)
        #expect(edit.text == text.replacingOccurrences(of: "main-1a2b3c4", with: "main-5d6e7f8"))
        #expect(Array(edit.text.utf8).filter { $0 == 0x0A }.count == 8)
        #expect(Array(edit.text.utf8).filter { $0 == 0x0D }.count == 8)
        #expect(try editor.currentTag(in: edit.text, image: shop) == "main-5d6e7f8")
    }

    @Test func matchesARenamingEntryByNewName() throws {
        let text = """
            kind: Kustomization
            resources:
              - deployment.yaml
            images:
              - name: shop
                newName: ghcr.io/nortinia-ltd/shop
                newTag: main-1a2b3c4
              - name: ghcr.io/nortinia-ltd/shop-worker
                newTag: main-1a2b3c4-keep

            """
        try expectOnlyReplacement(
            in: text, old: "newTag: main-1a2b3c4\n", new: "newTag: main-5d6e7f8\n", oldTag: "main-1a2b3c4")
        #expect(try editor.currentTag(in: text, image: "shop") == "main-1a2b3c4")
        #expect(try editor.currentTag(in: text, image: "ghcr.io/nortinia-ltd/shop-worker") == "main-1a2b3c4-keep")
    }

    @Test func readsKeysInAnyOrderAndIndentlessLists() throws {
        let text = """
            images:
            - newTag: main-1a2b3c4
              name: ghcr.io/nortinia-ltd/shop
            -   name: ghcr.io/nortinia-ltd/api
                newTag: main-9999999
            -
              name: ghcr.io/nortinia-ltd/web
              newTag: main-7777777
            resources:
            - deployment.yaml

            """
        try expectOnlyReplacement(
            in: text, old: "newTag: main-1a2b3c4", new: "newTag: main-5d6e7f8", oldTag: "main-1a2b3c4")
        try expectOnlyReplacement(
            in: text, image: "ghcr.io/nortinia-ltd/api", old: "main-9999999", new: "main-5d6e7f8",
            oldTag: "main-9999999")
        try expectOnlyReplacement(
            in: text, image: "ghcr.io/nortinia-ltd/web", old: "main-7777777", new: "main-5d6e7f8",
            oldTag: "main-7777777")
    }

    @Test func editsFlowStyleEntries() throws {
        let text = """
            resources: [deployment.yaml]
            images:
              - {name: ghcr.io/nortinia-ltd/shop, newTag: main-1a2b3c4}  # flow
              - { name: "ghcr.io/nortinia-ltd/api", newTag: 'main-2222222' }
              - {name: ghcr.io/nortinia-ltd/web}

            """
        try expectOnlyReplacement(
            in: text, old: "newTag: main-1a2b3c4}", new: "newTag: main-5d6e7f8}", oldTag: "main-1a2b3c4")
        try expectOnlyReplacement(
            in: text, image: "ghcr.io/nortinia-ltd/api", old: "'main-2222222'", new: "'main-5d6e7f8'",
            oldTag: "main-2222222")
        try expectOnlyReplacement(
            in: text, image: "ghcr.io/nortinia-ltd/web", old: "{name: ghcr.io/nortinia-ltd/web}",
            new: "{name: ghcr.io/nortinia-ltd/web, newTag: main-5d6e7f8}", oldTag: nil)
    }

    @Test func insertsAMissingNewTagWithTheEntrysIndentation() throws {
        let text = """
            resources:
              - deployment.yaml
            images:
              - name: ghcr.io/nortinia-ltd/shop
                newName: registry.internal/shop   # mirror
              # next
              - name: ghcr.io/nortinia-ltd/api
                newTag: main-1a2b3c4

            """
        try expectOnlyReplacement(
            in: text, old: "# mirror\n", new: "# mirror\n    newTag: main-5d6e7f8\n", oldTag: nil)
        #expect(try editor.currentTag(in: text, image: shop) == nil)
    }

    /// YAML (and libyaml's line numbers) also break lines at a lone `\r`; the new line goes after the entry's line,
    /// not after the next `\n` (found by the kustomization-editor fuzz target).
    @Test func insertsAfterAnEntryEndingInALoneCarriageReturn() throws {
        let text = "images:\r- name: nginx\r\r"
        let edit = try editor.settingTag("main-f00dfee", image: "nginx", in: text)
        #expect(edit.text == "images:\r- name: nginx\r  newTag: main-f00dfee\n\r")
        #expect(try editor.currentTag(in: edit.text, image: "nginx") == "main-f00dfee")
    }

    @Test func insertsIntoALastLineWithoutNewline() throws {
        let text = "resources:\r\n- a.yaml\r\nimages:\r\n- name: \"ghcr.io/nortinia-ltd/shop\""
        let edit = try editor.settingTag("main-5d6e7f8", image: shop, in: text)
        #expect(edit.text == text + "\r\n  newTag: \"main-5d6e7f8\"")
        #expect(edit.oldTag == nil)
    }

    @Test func fillsAnEmptyNewTag() throws {
        try expectOnlyReplacement(
            in: "resources: []\nimages:\n- name: ghcr.io/nortinia-ltd/shop\n  newTag:\n",
            old: "newTag:\n", new: "newTag: main-5d6e7f8\n", oldTag: nil)
        try expectOnlyReplacement(
            in: "resources: []\nimages:\n- name: ghcr.io/nortinia-ltd/shop\n  newTag: ~\n",
            old: "newTag: ~\n", new: "newTag: main-5d6e7f8\n", oldTag: nil)
        try expectOnlyReplacement(
            in: "resources: []\nimages:\n- name: ghcr.io/nortinia-ltd/shop\n  newTag: # set by Slipway\n",
            old: "newTag: # set", new: "newTag: main-5d6e7f8 # set", oldTag: nil)
    }

    @Test func quotesTagsYAMLWouldReadAsNumbers() throws {
        let text = "resources: []\nimages:\n- name: ghcr.io/nortinia-ltd/shop\n  newTag: main-1a2b3c4\n"
        for tag in ["1.10", "20240101", "1e3", "0x1F", "yes", "No", "on"] {
            let edit = try editor.settingTag(tag, image: shop, in: text)
            #expect(edit.text == text.replacingOccurrences(of: "main-1a2b3c4", with: "\"\(tag)\""))
            #expect(try editor.currentTag(in: edit.text, image: shop) == tag)
        }
        for tag in ["1.2.3", "v1.10", "1.10-alpine", "sha-0a1b2c"] {
            let edit = try editor.settingTag(tag, image: shop, in: text)
            #expect(edit.text == text.replacingOccurrences(of: "main-1a2b3c4", with: tag))
        }
    }

    @Test func theSameTagChangesNothing() throws {
        let text = "resources: []\nimages:\n- name: ghcr.io/nortinia-ltd/shop\n  newTag: 'main-1a2b3c4'\n"
        let edit = try editor.settingTag("main-1a2b3c4", image: shop, in: text)
        #expect(!edit.changed)
        #expect(edit.text == text)
        #expect(edit.oldTag == "main-1a2b3c4")
    }

    @Test func ignoresLookalikesOutsideTheImagesList() throws {
        let text = """
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            # images:
            # - name: ghcr.io/nortinia-ltd/shop
            #   newTag: commented-out
            patches:
              - target: {kind: Deployment}
                patch: |-
                  images:
                  - name: ghcr.io/nortinia-ltd/shop
                    newTag: in-a-block-scalar
            images:
            - name: ghcr.io/nortinia-ltd/shop
              newTag: main-1a2b3c4
            configMapGenerator:
            - name: settings
              literals: [newTag=nothing]

            """
        try expectOnlyReplacement(
            in: text, old: "main-1a2b3c4", new: "main-5d6e7f8", oldTag: "main-1a2b3c4")
    }

    // MARK: - Errors

    private func expectError(
        _ kind: GitOpsError.Kind, containing fragment: String, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> Void
    ) {
        do {
            try body()
            Issue.record("expected a \(kind) error", sourceLocation: sourceLocation)
        } catch let error as GitOpsError {
            #expect(error.kind == kind, "\(error.message)", sourceLocation: sourceLocation)
            #expect(error.message.contains(fragment), "\(error.message)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func aMissingEntrySaysWhatToAdd() {
        let text = "kind: Kustomization\nresources: [deployment.yaml]\nimages:\n  - name: ghcr.io/nortinia-ltd/api\n"
        expectError(
            .imageEntryMissing,
            containing:
                "clusters/prod/shop/kustomization.yaml has no images: entry for ghcr.io/nortinia-ltd/shop; "
                + "add one with name: ghcr.io/nortinia-ltd/shop and newTag:"
        ) { _ = try editor.settingTag("main-5d6e7f8", image: shop, in: text) }
        expectError(.imageEntryMissing, containing: "has no images: entry") {
            _ = try editor.currentTag(in: "resources:\n- a.yaml\nimages: []\n", image: shop)
        }
    }

    @Test func aKustomizationWithoutImagesSaysToAddTheList() {
        expectError(.imageEntryMissing, containing: "has no images: list") {
            _ = try editor.settingTag("main-5d6e7f8", image: shop, in: "kind: Kustomization\nresources:\n- a.yaml\n")
        }
    }

    @Test func otherFilesAreNotKustomizations() {
        let deployment = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  resources: {}\n"
        expectError(.notAKustomization, containing: "is a Deployment manifest, not a kustomization") {
            _ = try editor.settingTag("main-5d6e7f8", image: shop, in: deployment)
        }
        expectError(.notAKustomization, containing: "it is a YAML list") {
            _ = try editor.settingTag("main-5d6e7f8", image: shop, in: "- name: ghcr.io/nortinia-ltd/shop\n")
        }
        expectError(.notAKustomization, containing: "is not a YAML key: value mapping") {
            _ = try editor.settingTag("main-5d6e7f8", image: shop, in: "just some text\n")
        }
        expectError(.notAKustomization, containing: "has no images:, resources: or kind: Kustomization") {
            _ = try editor.settingTag("main-5d6e7f8", image: shop, in: "name: x\nnewTag: y\n")
        }
        expectError(.notAKustomization, containing: "is not a kustomization") {
            _ = try editor.settingTag("main-5d6e7f8", image: shop, in: "")
        }
    }

    @Test func invalidTagsAreRefusedBeforeAnyEdit() {
        let text = "resources: []\nimages:\n- name: ghcr.io/nortinia-ltd/shop\n  newTag: main-1a2b3c4\n"
        let tooLong = String(repeating: "a", count: 129)
        for tag in ["", "-main", ".main", "main 1", "main:1", "main/1", "ma\nin", "tag'quote", tooLong] {
            expectError(.invalidTag, containing: "is not a valid image tag") {
                _ = try editor.settingTag(tag, image: shop, in: text)
            }
        }
        #expect(KustomizationImageEditor.isValidTag(String(repeating: "a", count: 128)))
        #expect(KustomizationImageEditor.isValidTag("_main.1-2"))
    }

    @Test func refusesEntriesItCannotEditSafely() {
        expectError(.unsupportedLayout, containing: "2 images: entries for ghcr.io/nortinia-ltd/shop") {
            _ = try editor.settingTag(
                "t", image: shop,
                in: "resources: []\nimages:\n- name: ghcr.io/nortinia-ltd/shop\n  newTag: a\n"
                    + "- name: shop\n  newName: ghcr.io/nortinia-ltd/shop\n  newTag: b\n")
        }
        expectError(.unsupportedLayout, containing: "remove the digest: line") {
            _ = try editor.settingTag(
                "t", image: shop,
                in: "resources: []\nimages:\n- name: ghcr.io/nortinia-ltd/shop\n  digest: sha256:abc\n")
        }
        expectError(.unsupportedLayout, containing: "newTag: the value is a block scalar") {
            _ = try editor.settingTag(
                "t", image: shop, in: "resources: []\nimages:\n- name: ghcr.io/nortinia-ltd/shop\n  newTag: |\n    a\n")
        }
    }

    /// What the hand-written scanner refused (a flow mapping over two lines, a value on the next line, a flow
    /// `images:` list) is valid YAML that libyaml reads, so it is edited in place.
    @Test func editsLayoutsTheLineScannerRefused() throws {
        try expectOnlyReplacement(
            in: "resources: []\nimages:\n- {name: ghcr.io/nortinia-ltd/shop,\n   newTag: a}\n", tag: "t",
            old: "newTag: a}", new: "newTag: t}", oldTag: "a")
        try expectOnlyReplacement(
            in: "resources: []\nimages:\n- name: ghcr.io/nortinia-ltd/shop\n  newTag:\n    a\n", tag: "t",
            old: "    a\n", new: "    t\n", oldTag: "a")
        try expectOnlyReplacement(
            in: "resources: []\nimages: [{name: ghcr.io/nortinia-ltd/shop, newTag: a}]\n", tag: "t",
            old: "newTag: a}", new: "newTag: t}", oldTag: "a")
    }
}
