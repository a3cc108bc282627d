import Testing

@testable import SlipwayGitOps

/// The editor reads files through libyaml: what YAML allows is read correctly, and an invalid file is never edited.
@Suite("Kustomization and HelmRelease files through libyaml")
struct KustomizationYAMLTests {
    let editor = KustomizationImageEditor(path: "clusters/prod/shop/kustomization.yaml")
    let shop = "ghcr.io/acme/shop"

    private func gitOpsError(_ body: () throws -> Void) -> GitOpsError? {
        do {
            try body()
            return nil
        } catch {
            return error as? GitOpsError
        }
    }

    @Test func anInvalidFileIsRefusedWithFileLineAndColumn() throws {
        let text = "resources: []\nimages:\n- name: ghcr.io/acme/shop\n  newTag: a\nlabels: [x\n"
        let error = try #require(gitOpsError { _ = try editor.settingTag("b", image: shop, in: text) })
        #expect(error.kind == .invalidYAML)
        #expect(error.file == "clusters/prod/shop/kustomization.yaml")
        #expect(error.line == 6)
        #expect(error.column != nil)
        #expect(error.message.hasPrefix("clusters/prod/shop/kustomization.yaml line 6, column"))
        #expect(error.message.contains("not valid YAML"))
    }

    @Test func readsEveryDocumentAndEditsTheKustomization() throws {
        let text = """
            # generated
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: x}
            ---
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            images:
              - name: ghcr.io/acme/shop
                newTag: main-1
            ---
            kind: Other

            """
        let edit = try editor.settingTag("main-2", image: shop, in: text)
        #expect(edit.text == text.replacingOccurrences(of: "newTag: main-1", with: "newTag: main-2"))
        #expect(edit.oldTag == "main-1")
    }

    @Test func anchorsAliasesBlockScalarsAndEscapesAreRead() throws {
        let text = """
            resources: [a.yaml]
            commonAnnotations:
              note: |
                images:
                - name: ghcr.io/acme/shop
                  newTag: not-this
            images:
              - name: "ghcr.io/acme/\\x73hop"
                newTag: &tag main-1
              - name: ghcr.io/acme/worker
                newTag: *tag

            """
        #expect(try editor.currentTag(in: text, image: shop) == "main-1")
        #expect(try editor.currentTag(in: text, image: "ghcr.io/acme/worker") == "main-1")
        let edit = try editor.settingTag("main-2", image: shop, in: text)
        #expect(edit.text == text.replacingOccurrences(of: "&tag main-1", with: "&tag main-2"))
        // The worker's tag is the shop's through the alias: editing it there would change the anchor.
        let error = try #require(gitOpsError { _ = try editor.settingTag("x", image: "ghcr.io/acme/worker", in: text) })
        #expect(error.kind == .unsupportedLayout)
        #expect(error.message.contains("alias"))
    }

    @Test func aMirrorEntryReportsTheImageItProduces() throws {
        let text = """
            resources: [deployment.yaml]
            images:
              - name: ghcr.io/acme/shop
                newName: registry.internal/mirror/shop
                newTag: main-1

            """
        let edit = try editor.settingTag("main-2", image: shop, in: text)
        #expect(edit.producedImage == "registry.internal/mirror/shop")
        #expect(edit.imagePolicy == nil)
        let plain = try editor.settingTag(
            "main-2", image: shop, in: "resources: []\nimages:\n- name: ghcr.io/acme/shop\n")
        #expect(plain.producedImage == "ghcr.io/acme/shop")
    }

    @Test func anImagePolicySetterOnTheEntryIsReported() throws {
        let text = """
            resources: [deployment.yaml]
            images:
              - name: ghcr.io/acme/shop
                newTag: main-1 # {"$imagepolicy": "flux-system:shop:tag"}
              - name: ghcr.io/acme/worker
                newTag: main-1

            """
        let edit = try editor.settingTag("main-0", image: shop, in: text)
        #expect(edit.imagePolicy == "flux-system:shop:tag")
        #expect(edit.hasImagePolicySetter)
        #expect(edit.text.contains("newTag: main-0 # {\"$imagepolicy\": \"flux-system:shop:tag\"}"))
        #expect(try !editor.settingTag("main-0", image: "ghcr.io/acme/worker", in: text).hasImagePolicySetter)
    }

    @Test func aPinnedDigestIsReportedAndNotEdited() throws {
        let text = "resources: []\nimages:\n- name: ghcr.io/acme/shop\n  newTag: a\n  digest: sha256:abc\n"
        let error = try #require(gitOpsError { _ = try editor.settingTag("b", image: shop, in: text) })
        #expect(error.kind == .unsupportedLayout)
        #expect(error.message.contains("pins ghcr.io/acme/shop to digest sha256:abc (line 5)"))
    }

    // MARK: - HelmRelease

    let release = """
        ---
        apiVersion: source.toolkit.fluxcd.io/v1
        kind: HelmRepository
        metadata: {name: acme, namespace: flux-system}
        spec: {url: https://charts.example}
        ---
        apiVersion: helm.toolkit.fluxcd.io/v2
        kind: HelmRelease
        metadata:
          name: shop
          namespace: shop
        spec:
          chart:
            spec: {chart: shop, sourceRef: {kind: HelmRepository, name: acme}}
          values:
            image:
              repository: registry.internal/mirror/shop
              tag: "1.10" # {"$imagepolicy": "flux-system:shop:tag"}
            replicas: 2

        """

    @Test func editsAHelmReleaseTagInItsQuoting() throws {
        let helm = HelmReleaseTagEditor(path: "apps/shop/release.yaml", tagPath: "spec.values.image.tag")
        #expect(try helm.currentTag(in: release) == "1.10")
        let edit = try helm.settingTag("1.11", in: release)
        #expect(edit.text == release.replacingOccurrences(of: "tag: \"1.10\"", with: "tag: \"1.11\""))
        #expect(edit.oldTag == "1.10")
        #expect(edit.producedImage == "registry.internal/mirror/shop")
        #expect(edit.imagePolicy == "flux-system:shop:tag")
    }

    @Test func editsAPlainValuesFile() throws {
        let values = "image:\r\n  repository: ghcr.io/acme/shop\r\n  tag: main-1\r\nresources: {}\r\n"
        let helm = HelmReleaseTagEditor(path: "apps/shop/values.yaml", tagPath: "image.tag")
        let edit = try helm.settingTag("main-2", in: values)
        #expect(edit.text == values.replacingOccurrences(of: "main-1", with: "main-2"))
        #expect(edit.producedImage == "ghcr.io/acme/shop")
    }

    @Test func aMissingTagPathSaysWhereToLook() throws {
        let helm = HelmReleaseTagEditor(path: "apps/shop/release.yaml", tagPath: "spec.values.img.tag")
        let error = try #require(gitOpsError { _ = try helm.settingTag("x", in: release) })
        #expect(error.kind == .imageEntryMissing)
        #expect(error.message.contains("has no spec.values.img.tag"))
        let notScalar = HelmReleaseTagEditor(path: "apps/shop/release.yaml", tagPath: "spec.values.image")
        #expect(gitOpsError { _ = try notScalar.settingTag("x", in: release) }?.kind == .unsupportedLayout)
    }

    @Test func aHelmReleaseInTheKustomizationSettingSaysToUseHelmRelease() throws {
        let error = try #require(gitOpsError { _ = try editor.settingTag("x", image: shop, in: release) })
        #expect(error.kind == .notAKustomization)
        #expect(error.message.contains("give helmRelease"))
    }
}
